/**
 * Issue 17 item 2 and 3: reporting periods in the office's time zone, comparison with the
 * previous period and the same period a year before, the trend per officer, the heat map,
 * and the XLSX workbook as an office head opens it (read back with exceljs): the numbers of
 * the report, reconciled with the presses stored (counted by SQL directly).
 */
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { openDatabase, type Db } from '../../gateway/store/database.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { parsePeriod, previousPeriod, rangePeriod, subPeriods, yearBefore } from '../../gateway/reports/periods.ts'
import { buildPeriodReport } from '../../gateway/reports/period-report.ts'
import { HEADER_ROW, reportWorkbook, SHEET } from '../../gateway/reports/xlsx.ts'
import { tempDir } from '../helpers/tmp.ts'

const TZ = 'Asia/Ho_Chi_Minh'
/** Epoch ms of a local wall-clock time in Hanoi. */
const at = (date: string, hh: number, mm = 0, ss = 0) => localMidnight(date, TZ) + ((hh * 60 + mm) * 60 + ss) * 1000

function office(): { db: Db; add: (officer: string | null, rating: string, time: number, n?: number) => void } {
  const db = openDatabase(join(tempDir(), 'chamdiem.db'))
  db.exec(`INSERT INTO offices VALUES ('hcc', 'Trung tâm Phục vụ hành chính công phường Bến Thành');
           INSERT INTO counters VALUES ('q1', 'hcc', 'Quầy 1');
           INSERT INTO officers (id, office_id, name) VALUES ('an', 'hcc', 'Nguyễn Văn An'), ('binh', 'hcc', 'Trần Thị Bình'), ('cuong', 'hcc', 'Lê Văn Cường');`)
  const ins = db.prepare(
    'INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES (?, ?, ?, ?, 0, ?, 0, ?, ?, ?, ?)',
  )
  let seq = 0
  const add = (officer: string | null, rating: string, time: number, n = 1) => {
    for (let i = 0; i < n; i++) ins.run('box-1', 'b', ++seq, rating, time, time, 'hcc', 'q1', officer)
  }
  return { db, add }
}

describe('periods', () => {
  it('reads month, quarter, 6 months, 9 months and year codes as inclusive local dates', () => {
    expect(parsePeriod('2026-11')).toMatchObject({ kind: 'month', from: '2026-11-01', to: '2026-11-30', label: 'Tháng 11 năm 2026' })
    expect(parsePeriod('2026-Q4')).toMatchObject({ kind: 'quarter', from: '2026-10-01', to: '2026-12-31', label: 'Quý IV năm 2026' })
    expect(parsePeriod('2026-h1')).toMatchObject({ kind: 'half', from: '2026-01-01', to: '2026-06-30', label: '6 tháng đầu năm 2026' })
    expect(parsePeriod('2026-H2')).toMatchObject({ from: '2026-07-01', to: '2026-12-31', label: '6 tháng cuối năm 2026' })
    expect(parsePeriod('2026-9M')).toMatchObject({ kind: 'nine-months', from: '2026-01-01', to: '2026-09-30', label: '9 tháng năm 2026' })
    expect(parsePeriod('2028')).toMatchObject({ kind: 'year', from: '2028-01-01', to: '2028-12-31' })
    expect(rangePeriod('2026-11-28', '2026-11-28')).toMatchObject({ kind: 'range', label: 'Ngày 28/11/2026' })
    expect(rangePeriod('2026-10-01', '2026-12-31')).toMatchObject({ kind: 'quarter', code: '2026-Q4' })
    expect(() => parsePeriod('2026-Q5')).toThrow(/cannot read period "2026-Q5"/)
    expect(() => rangePeriod('2026-12-01', '2026-11-30')).toThrow(/after "to"/)
  })

  it('compares with the previous period of the same length and the same period a year before', () => {
    const code = (p: { from: string; to: string; code: string }) => p.code
    expect(code(previousPeriod(parsePeriod('2026-01')))).toBe('2025-12')
    expect(code(previousPeriod(parsePeriod('2026-Q1')))).toBe('2025-Q4')
    expect(code(previousPeriod(parsePeriod('2026-H2')))).toBe('2026-H1')
    expect(previousPeriod(parsePeriod('2026-9M'))).toMatchObject({ from: '2025-04-01', to: '2025-12-31' })
    expect(code(yearBefore(parsePeriod('2026-9M')))).toBe('2025-9M')
    expect(code(yearBefore(parsePeriod('2024-02')))).toBe('2023-02')
    // A range of 10 days: the 10 days before; a year before, 29 February becomes the 28th.
    expect(previousPeriod(rangePeriod('2026-03-01', '2026-03-10'))).toMatchObject({ from: '2026-02-19', to: '2026-02-28' })
    expect(yearBefore(rangePeriod('2024-02-20', '2024-02-29'))).toMatchObject({ from: '2023-02-20', to: '2023-02-28' })
    expect(subPeriods(parsePeriod('2026-11'))).toHaveLength(30)
    expect(subPeriods(parsePeriod('2026-Q4')).map((s) => [s.step, s.from, s.to])).toEqual([
      ['month', '2026-10-01', '2026-10-31'],
      ['month', '2026-11-01', '2026-11-30'],
      ['month', '2026-12-01', '2026-12-31'],
    ])
  })
})

describe('period reports', () => {
  it('a press at 23:59 on the last day of a quarter (office time) belongs to it, one at 00:00 the next day does not', () => {
    const { db, add } = office()
    add('an', 'positive', at('2026-12-31', 23, 59, 59))
    add('an', 'negative', at('2027-01-01', 0, 0))
    add('an', 'neutral', at('2026-10-01', 0, 0))
    add('an', 'negative', at('2026-09-30', 23, 59))
    const q4 = buildPeriodReport(db, { period: parsePeriod('2026-Q4'), timezone: TZ, by: 'officer' })
    expect(q4.totals).toMatchObject({ positive: 1, neutral: 1, negative: 0, total: 2 })
    // In UTC the last press of the quarter is already 2026-12-31 16:59: the office's zone decides.
    expect(buildPeriodReport(db, { period: parsePeriod('2027-Q1'), timezone: TZ, by: 'officer' }).totals.total).toBe(1)
    expect(q4.previous.totals).toMatchObject({ negative: 1, total: 1 })
    // One day, both ends inclusive.
    expect(buildPeriodReport(db, { period: rangePeriod('2026-12-31', '2026-12-31'), timezone: TZ, by: 'officer' }).totals.total).toBe(1)
    db.close()
  })

  it('gives the change per officer and for the total against the previous period and a year before', () => {
    const { db, add } = office()
    // Q4 2026: an 18 of 20 satisfied, binh 10 of 20; Q3 2026: an 15 of 20; Q4 2025: an 20 of 20, binh 15 of 20.
    add('an', 'positive', at('2026-11-02', 9), 18)
    add('an', 'negative', at('2026-11-02', 10), 2)
    add('binh', 'neutral', at('2026-12-15', 14), 10)
    add('binh', 'negative', at('2026-12-15', 15), 10)
    add('an', 'positive', at('2026-08-03', 9), 15)
    add('an', 'negative', at('2026-08-03', 9), 5)
    add('an', 'positive', at('2025-10-06', 8), 20)
    add('binh', 'positive', at('2025-10-06', 8), 15)
    add('binh', 'negative', at('2025-10-06', 8), 5)
    const r = buildPeriodReport(db, { period: parsePeriod('2026-Q4'), timezone: TZ, by: 'officer' })
    const an = r.rows.find((x) => x.key === 'an')!
    const binh = r.rows.find((x) => x.key === 'binh')!
    expect(r.previous.period.code).toBe('2026-Q3')
    expect(r.yearAgo.period.code).toBe('2025-Q4')
    expect(an.vsPrevious).toMatchObject({ before: { total: 20, satisfaction: 0.75, rank: 1 }, total: 0 })
    expect(an.vsPrevious.satisfaction).toBeCloseTo(0.15)
    expect(an.vsYearAgo.satisfaction).toBeCloseTo(-0.1)
    expect(binh.vsPrevious).toEqual({ before: null, total: 20, satisfaction: null })
    expect(binh.vsYearAgo.satisfaction).toBeCloseTo(-0.25)
    expect(r.totalsVsPrevious.total).toBe(20)
    expect(r.totalsVsPrevious.satisfaction).toBeCloseTo(28 / 40 - 0.75)
    expect(r.totalsVsYearAgo.satisfaction).toBeCloseTo(28 / 40 - 35 / 40)
    // The trend per officer over the quarter's months, gaps as no rate at all.
    expect(r.trend.step).toBe('month')
    expect(r.trend.byKey.an.map((p) => [p.from, p.total, p.satisfaction])).toEqual([
      ['2026-10-01', 0, null],
      ['2026-11-01', 20, 0.9],
      ['2026-12-01', 0, null],
    ])
    // The heat map: 2026-11-02 is a Monday; 09:00 and 10:00 local.
    expect([r.heatmap.total[0][9], r.heatmap.total[0][10], r.heatmap.satisfaction[0][10]]).toEqual([18, 2, 0])
    expect(r.heatmap.total.flat().reduce((a, b) => a + b, 0)).toBe(40)
    db.close()
  })

  it('the XLSX opened with exceljs shows the report: counts per level, total, rate, rank, too few; totals match the stored presses', async () => {
    const { db, add } = office()
    add('an', 'positive', at('2026-11-02', 9), 30)
    add('an', 'neutral', at('2026-11-02', 9), 5)
    add('an', 'negative', at('2026-11-02', 9), 5)
    add('binh', 'positive', at('2026-11-03', 9), 12)
    add('binh', 'negative', at('2026-11-03', 9), 1)
    add('cuong', 'positive', at('2026-11-04', 9), 4)
    add(null, 'negative', at('2026-11-04', 9), 2)
    add('an', 'positive', at('2026-12-01', 0), 7) // the next month
    const period = parsePeriod('2026-11')
    const report = buildPeriodReport(db, { period, timezone: TZ, by: 'officer' })
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load((await reportWorkbook(report, { unit: 'Trung tâm Phục vụ hành chính công phường Bến Thành' })) as never)
    const ws = wb.getWorksheet(SHEET)!
    const text = (r: number, c: number) => String(ws.getCell(r, c).value ?? '')
    expect(text(1, 1)).toBe('TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG BẾN THÀNH')
    expect(text(2, 1)).toBe('KẾT QUẢ ĐÁNH GIÁ SỰ HÀI LÒNG — THÁNG 11 NĂM 2026')
    expect(text(3, 1)).toBe('Từ ngày 01/11/2026 đến ngày 30/11/2026')
    const header = (ws.getRow(HEADER_ROW).values as unknown[]).slice(1)
    expect(header.slice(0, 9)).toEqual(['STT', 'Họ và tên', 'Rất hài lòng', 'Hài lòng', 'Không hài lòng', 'Tổng số', 'Tỷ lệ hài lòng', 'Xếp hạng', 'Ghi chú'])
    const rows: unknown[][] = []
    for (let r = HEADER_ROW + 1; ws.getCell(r, 2).value; r++) rows.push(Array.from({ length: 9 }, (_, c) => ws.getCell(r, c + 1).value ?? null))
    // Ranked by the Wilson lower bound: an (35 of 40, 87.5 %) above binh (12 of 13, 92.3 %, fewer votes); cuong has too few.
    expect(rows).toEqual([
      [1, 'Nguyễn Văn An', 30, 5, 5, 40, 35 / 40, 1, null],
      [2, 'Trần Thị Bình', 12, 0, 1, 13, 12 / 13, 2, null],
      [3, 'Lê Văn Cường', 4, 0, 0, 4, 1, null, 'Quá ít đánh giá'],
      [4, 'Chưa xác định cán bộ', 0, 0, 2, 2, 0, null, 'Quá ít đánh giá'],
      [null, 'Tổng cộng', 46, 5, 8, 59, 51 / 59, null, null],
    ])
    expect(ws.getCell(HEADER_ROW + 1, 7).numFmt).toBe('0.0%')
    // The total reconciles with the presses stored in the period, counted by SQL directly.
    const { fromMs, toMs } = { fromMs: at('2026-11-01', 0), toMs: at('2026-12-01', 0) }
    const stored = db.prepare('SELECT rating, count(*) AS n FROM presses WHERE time_ms >= ? AND time_ms < ? AND repeat = 0 GROUP BY rating').all(fromMs, toMs) as Array<{ rating: string; n: number }>
    expect(Object.fromEntries(stored.map((s) => [s.rating, s.n]))).toEqual({ positive: 46, neutral: 5, negative: 8 })
    expect(wb.getWorksheet('Xu hướng')!.getRow(1).cellCount).toBe(31)
    db.close()
  })
})
