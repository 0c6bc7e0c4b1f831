/**
 * Issue 16 item 7 and issue 17 item 2 in real Chromium: the reports page for a named period,
 * the change against the previous period, the trend per officer, the hour x weekday heat map,
 * no satisfaction line drawn across days without presses, another period chosen in the form,
 * and the Excel download opened with exceljs. Screenshot in test-artifacts/.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { localMidnight } from '../../gateway/local-time.ts'
import { HEADER_ROW, SHEET } from '../../gateway/reports/xlsx.ts'
import { PASSWORD, startTestApp } from '../http/app-helper.ts'
import { launchBrowser, login } from './browser.ts'

const TZ = 'Asia/Ho_Chi_Minh'
const ARTIFACTS = join(process.cwd(), 'test-artifacts')

describe('report charts', () => {
  it('shows the comparison, the trend per officer, the heat map, and breaks the rate line over days without presses', async () => {
    const t = await startTestApp()
    const ins = t.db.prepare(
      "INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES ('box-1', 'c', ?, ?, 0, ?, 0, ?, 'hcc', 'q1', ?)",
    )
    let seq = 0
    const add = (date: string, hour: number, officer: string, rating: string, n: number) => {
      const time = localMidnight(date, TZ) + hour * 3_600_000
      for (let i = 0; i < n; i++) ins.run(++seq, rating, time, time, officer)
    }
    // November 2026: presses on the 2nd (a Monday) and 3rd, none until the 10th. October: an 6 of 10.
    add('2026-11-02', 9, 'an', 'positive', 8)
    add('2026-11-02', 9, 'an', 'negative', 2)
    add('2026-11-03', 14, 'binh', 'neutral', 5)
    add('2026-11-10', 10, 'an', 'positive', 4)
    add('2026-10-15', 9, 'an', 'positive', 6)
    add('2026-10-15', 9, 'an', 'negative', 4)

    const browser = await launchBrowser()
    const page = await (await browser.newContext({ locale: 'vi-VN', acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage()
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    await login(page, base, 'admin', PASSWORD)
    await page.goto(base + '/reports?period=2026-11&by=officer&office=hcc')
    await page.waitForSelector('#report-table tbody tr[data-key="an"]')

    expect(await page.locator('#report-summary').innerText()).toContain('Tháng 11 năm 2026: 19 lượt đánh giá')
    // an: 12 of 14 satisfied now (85.7 %), 6 of 10 in October: +25.7 points.
    expect(await page.locator('#report-table tr[data-key="an"] td[data-field="vsPrevious"]').innerText()).toBe('+25,7 điểm %')
    expect(await page.locator('#comparison-chart g.cmp[data-key="an"] line.mark.prev').count()).toBe(1)
    expect(await page.locator('#comparison-chart g.cmp[data-key="binh"] line.mark.prev').count()).toBe(0)

    // The rate over the month: the 2nd and 3rd joined, the 10th alone; nothing drawn across the 4th-9th.
    const lines = await page.locator('#report-chart .sat-lines polyline').evaluateAll((els) => els.map((e) => e.getAttribute('points')!.split(' ').length))
    expect(lines).toEqual([2])
    expect(await page.locator('#report-chart .sat-lines circle').count()).toBe(1)
    // The trend per officer: an on two separate days (two dots, no line), binh on one.
    expect(await page.locator('#trend-chart tr[data-key="an"] circle').count()).toBe(2)
    expect(await page.locator('#trend-chart tr[data-key="an"] polyline').count()).toBe(0)
    // The heat map: Monday 09:00 holds the 10 presses of the 2nd; all cells add up to the month.
    const cells = await page.locator('#heatmap td.heat').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.n)))
    expect(cells.reduce((a, b) => a + b, 0)).toBe(19)
    expect(await page.locator('#heatmap tbody tr').first().locator('td.heat[data-n="10"]').getAttribute('title')).toMatch(/^Thứ Hai 9:00–10:00: 10; /)
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'report-charts.png'), fullPage: true })

    // Another period from the form: the fourth quarter.
    await page.selectOption('#report-kind', 'quarter')
    expect(await page.locator('#report-month').isVisible()).toBe(false)
    await page.fill('#report-year', '2026')
    await page.selectOption('#report-quarter', '4')
    await page.click('#report-show')
    await expect.poll(() => page.locator('#report-summary').innerText()).toContain('Quý IV năm 2026: 29 lượt đánh giá')
    expect(page.url()).toContain('period=2026-Q4')

    // The Excel download is the same report.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#xlsx-link')])
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(readFileSync((await download.path())!) as never)
    const ws = wb.getWorksheet(SHEET)!
    expect(ws.getCell(2, 1).value).toBe('KẾT QUẢ ĐÁNH GIÁ SỰ HÀI LÒNG — QUÝ IV NĂM 2026')
    expect([ws.getCell(HEADER_ROW + 1, 2).value, ws.getCell(HEADER_ROW + 1, 6).value]).toEqual(['Nguyễn Văn An', 24])
  }, 180_000)
})
