/**
 * `chamdiem report` as an office's IT person runs it: `--from D --to D` is the one local day D
 * (the same meaning as the dashboard's "Từ ngày" / "Đến ngày"), `--period` names a quarter,
 * CSV with the semicolon option, and the XLSX written to a file and opened with exceljs.
 */
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../gateway/store/database.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { HEADER_ROW, SHEET } from '../../gateway/reports/xlsx.ts'
import { chamdiem } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

const TZ = 'Asia/Ho_Chi_Minh'

describe('chamdiem report', () => {
  it('reads inclusive local dates and named periods, and writes CSV and XLSX', async () => {
    const dir = tempDir()
    const db = openDatabase(join(dir, 'chamdiem.db'))
    db.exec(`INSERT INTO offices VALUES ('hcc', 'Trung tâm Phục vụ hành chính công');
             INSERT INTO counters VALUES ('q1', 'hcc', 'Quầy 1');
             INSERT INTO officers (id, office_id, name) VALUES ('an', 'hcc', 'Nguyễn Văn An');`)
    const ins = db.prepare(
      "INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES ('b', 'x', ?, ?, 0, ?, 0, ?, 'hcc', 'q1', 'an')",
    )
    const day = localMidnight('2026-11-28', TZ)
    const times = [day - 60_000, day, day + 12 * 3_600_000, day + 86_400_000 - 60_000, day + 86_400_000]
    times.forEach((t, i) => ins.run(i + 1, i === 2 ? 'negative' : 'positive', t, t))
    db.close()
    const c = ['--data-dir', dir]

    const one = await chamdiem(['report', '--from', '2026-11-28', '--to', '2026-11-28', '--format', 'json', ...c])
    expect(one.stderr).toBe('')
    const r = JSON.parse(one.stdout)
    // 00:00 to 23:59 of the 28th in the office's zone: 3 presses, not the one the minute before or after.
    expect(r.totals).toMatchObject({ positive: 2, negative: 1, total: 3 })
    expect(r.period).toMatchObject({ from: '2026-11-28', to: '2026-11-28', label: 'Ngày 28/11/2026' })

    const csv = await chamdiem(['report', '--period', '2026-Q4', '--format', 'csv', '--semicolon', ...c])
    const lines = csv.stdout.split('\r\n')
    expect(lines[0]).toMatch(/^\uFEFFHạng;Mã;Họ và tên;Rất hài lòng;Hài lòng;Không hài lòng;Tổng số;/)
    expect(lines[1]).toMatch(/^;an;Nguyễn Văn An;4;0;1;5;0;0;80,0 %;/)

    const file = join(dir, 'bao-cao.xlsx')
    const x = await chamdiem(['report', '--period', '2026-Q4', '--format', 'xlsx', '--out', file, ...c])
    expect([x.code, x.stderr]).toEqual([0, ''])
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(file)
    const ws = wb.getWorksheet(SHEET)!
    expect(Array.from({ length: 9 }, (_, i) => ws.getCell(HEADER_ROW + 1, i + 1).value ?? null)).toEqual([1, 'Nguyễn Văn An', 4, 0, 1, 5, 0.8, null, 'Quá ít đánh giá'])

    const half = await chamdiem(['report', '--from', '2026-11-28', ...c])
    expect([half.code, half.stderr.trim()]).toEqual([1, 'chamdiem report: give --period CODE, or --from DATE and --to DATE (see --help)'])
    const help = await chamdiem(['report', '--help'])
    expect(help.stdout).toMatch(/--from D --to D is the one day D/)
  }, 180_000)
})
