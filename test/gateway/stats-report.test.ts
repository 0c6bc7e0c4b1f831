import { describe, expect, it } from 'vitest'
import { figures, rankByLowerBound, wilsonInterval } from '../../gateway/stats.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { buildReport } from '../../gateway/report.ts'
import { buildPeriodReport } from '../../gateway/reports/period-report.ts'
import { reportCsv } from '../../gateway/reports/csv.ts'
import { join } from 'node:path'
import { tempDir } from '../helpers/tmp.ts'

describe('stats', () => {
  it('computes the Wilson 95% interval (reference values)', () => {
    // 8 of 10: 0.4902 .. 0.9433 (Wilson score, z = 1.96)
    const w = wilsonInterval(8, 10)!
    expect(w.low).toBeCloseTo(0.4902, 3)
    expect(w.high).toBeCloseTo(0.9433, 3)
    expect(wilsonInterval(0, 0)).toBeNull()
    expect(wilsonInterval(5, 5)!.high).toBe(1)
  })

  it('gives satisfaction, index and too-few flags', () => {
    expect(figures({ positive: 6, neutral: 2, negative: 2 })).toMatchObject({ total: 10, satisfaction: 0.8, index: 70, tooFew: false })
    expect(figures({ positive: 1, neutral: 0, negative: 0 })).toMatchObject({ total: 1, satisfaction: 1, index: 100, tooFew: true })
    expect(figures({ positive: 0, neutral: 0, negative: 0 })).toMatchObject({ satisfaction: null, index: null })
  })

  it('ranks 400 votes at 90% above 4 votes at 100%', () => {
    const few = { key: 'few', ...figures({ positive: 4, neutral: 0, negative: 0 }, 1) }
    const many = { key: 'many', ...figures({ positive: 300, neutral: 60, negative: 40 }, 1) }
    expect(rankByLowerBound([few, many]).map((r) => r.key)).toEqual(['many', 'few'])
  })
})

describe('report', () => {
  it('groups, leaves repeats out, and adds up', () => {
    const db = openDatabase(join(tempDir(), 'r.db'))
    db.exec(`INSERT INTO offices VALUES ('o', 'Office'); INSERT INTO counters VALUES ('c', 'o', 'Quầy 1');
             INSERT INTO officers (id, office_id, name) VALUES ('a', 'o', 'An'), ('b', 'o', '=HYPERLINK(1)');`)
    const ins = db.prepare('INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?)')
    let seq = 0
    const add = (rating: string, officer: string | null, repeat = 0, time = 1000) => ins.run('x', 'b', ++seq, rating, repeat, time, 'o', 'c', officer)
    for (let i = 0; i < 12; i++) add('positive', 'a')
    add('negative', 'a')
    add('negative', 'a', 1) // repeat
    add('neutral', 'b')
    add('positive', null)
    add('positive', 'a', 0, 99_999) // outside the period
    const r = buildReport(db, { fromMs: 0, toMs: 10_000, by: 'officer' })
    expect(r.rows.map((x) => [x.key, x.positive, x.neutral, x.negative, x.repeats, x.total, x.rank])).toEqual([
      ['a', 12, 0, 1, 1, 13, 1],
      ['unattributed', 1, 0, 0, 0, 1, null],
      ['b', 0, 1, 0, 0, 1, null],
    ])
    expect(r.totals).toMatchObject({ positive: 13, neutral: 1, negative: 1, repeats: 1, total: 15 })
    const epoch = { kind: 'range' as const, from: '1970-01-01', to: '1970-01-01', code: '', label: '' }
    const csv = reportCsv(buildPeriodReport(db, { period: epoch, timezone: 'UTC', by: 'officer' })).split('\r\n')
    expect(csv[0]).toBe(
      'Hạng,Mã,Họ và tên,Rất hài lòng,Hài lòng,Không hài lòng,Tổng số,Bấm lặp (không tính),Bấm dồn dập (không tính),Tỷ lệ hài lòng,Chỉ số (0-100),Cận dưới 95%,Cận trên 95%,Ghi chú,So với kỳ trước (điểm %),So với cùng kỳ năm trước (điểm %)',
    )
    // The whole day of 1 January 1970 (UTC) holds the press at 99.999 s too.
    expect(csv[1]).toMatch(/^1,a,An,13,0,1,14,1,0,"92,9 %","92,9",/)
    expect(csv.at(-3)).toMatch(/^,Tổng cộng,,14,1,1,16,1,0,/)
    // Under the table, how the rate is defined on this scale.
    expect(csv.at(-2)).toMatch(/^"Ghi chú: Tỷ lệ hài lòng = \(Rất hài lòng \+ Hài lòng\) \/ Tổng số đánh giá\. Chỉ số = điểm trung bình mỗi đánh giá \(Rất hài lòng = 100, Hài lòng = 50, Không hài lòng = 0\)/)
    expect(csv[2]).toMatch(/^,unattributed,Chưa xác định cán bộ,1,0,0,1,0,0,/)
    expect(csv[3]).toMatch(/^,b,'=HYPERLINK\(1\),0,1,0,1,/) // never a live formula in Excel
    db.close()
  })
})
