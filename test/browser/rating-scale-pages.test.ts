/**
 * A five-level deployment in Chromium: the live view, the reports page and the printed report
 * each show one column per level with its label, and say how the satisfaction rate is defined
 * on this scale. A press from a real box moves the live count. Screenshots in test-artifacts/.
 */
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { localMidnight } from '../../gateway/local-time.ts'
import { pressTopic } from '../../protocol/index.ts'
import { SECRET } from '../helpers/office.ts'
import { PASSWORD, startTestApp } from '../http/app-helper.ts'
import { ARTIFACTS, launchBrowser, newPage } from './browser.ts'

const TZ = 'Asia/Ho_Chi_Minh'
const FIVE = ['Rất hài lòng', 'Hài lòng', 'Bình thường', 'Không hài lòng', 'Rất không hài lòng']
const DEFINED = 'Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / Tổng số đánh giá'

describe('a five-level scale on the dashboard', () => {
  it('live view, reports page and printed report show the five levels and the definition of the rate', async () => {
    const t = await startTestApp({ config: { ratingScale: { preset: 5 } } })
    const ins = t.db.prepare(
      "INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES ('box-1', 'seed', ?, ?, 0, ?, 0, ?, 'hcc', 'q1', ?)",
    )
    let seq = 0
    const add = (time: number, officer: string, rating: string, n: number) => {
      for (let i = 0; i < n; i++) ins.run(++seq, rating, time, time, officer)
    }
    // an: 4 / 3 / 2 / 1 / 1 (7 of 11 satisfied); binh: 1 fair, 2 very-negative.
    const seed = (time: number) => {
      add(time, 'an', 'positive', 4)
      add(time, 'an', 'neutral', 3)
      add(time, 'an', 'fair', 2)
      add(time, 'an', 'negative', 1)
      add(time, 'an', 'very-negative', 1)
      add(time, 'binh', 'fair', 1)
      add(time, 'binh', 'very-negative', 2)
    }
    seed(localMidnight('2024-03-04', TZ) + 9 * 3_600_000)
    seed(Date.now() - 1000) // today, for the live view

    const browser = await launchBrowser()
    const page = await newPage(browser, { width: 1280, height: 900 })
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    await page.goto(base + '/login')
    await page.fill('#username', 'admin')
    await page.fill('#password', PASSWORD)
    await page.click('#login-button')
    await page.waitForURL(/\/live$/)
    await page.waitForSelector('#live-officers tr[data-officer="an"]')

    // Live: a column per level, the row's counts, the rate by its definition.
    const heads = await page.locator('#live-officers thead th .label').allInnerTexts()
    expect(heads.map((s) => s.trim())).toEqual(FIVE)
    const an = page.locator('#live-officers tbody tr[data-officer="an"]')
    const counts = () => an.locator('td[data-rating]').evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.rating, e.textContent]))
    expect(await counts()).toEqual([['positive', '4'], ['neutral', '3'], ['fair', '2'], ['negative', '1'], ['very-negative', '1'], ['total', '11']])
    expect(await an.locator('td[data-field="satisfaction"]').innerText()).toBe('63,6%')
    expect(await page.locator('#live-definition').innerText()).toBe(DEFINED)
    // A box presses "Rất không hài lòng": the live row counts it.
    const box = await (await import('mqtt')).default.connectAsync(`mqtt://127.0.0.1:${t.gw.mqttPort}`, { username: 'box-1', password: SECRET('box-1'), clientId: 'box-1', reconnectPeriod: 0 })
    await t.login('admin').then((a) => a.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' }))
    await box.publishAsync(pressTopic('box-1'), JSON.stringify({ seq: 1, boot: 'live', rating: 'very-negative', ageMs: 0 }), { qos: 1 })
    await box.endAsync()
    await expect.poll(() => an.locator('td[data-rating="very-negative"]').innerText(), { timeout: 10_000 }).toBe('2')
    expect(await an.locator('td[data-field="satisfaction"]').innerText()).toBe('58,3%')
    await page.screenshot({ path: join(ARTIFACTS, 'scale-5-live.png'), fullPage: true })

    // Reports page: the same columns, the counts of the period, the definition under the table.
    await page.goto(base + '/reports?period=2024-03&by=officer&office=hcc')
    await page.waitForSelector('#report-table tbody tr[data-key="an"]')
    expect((await page.locator('#report-table thead th').allInnerTexts()).slice(2, 7)).toEqual(FIVE)
    const row = page.locator('#report-table tbody tr[data-key="an"]')
    for (const [id, n] of [['positive', '4'], ['neutral', '3'], ['fair', '2'], ['negative', '1'], ['very-negative', '1'], ['total', '11']]) {
      expect(await row.locator(`td[data-field="${id}"]`).innerText()).toBe(n)
    }
    expect(await row.locator('td[data-field="satisfaction"]').innerText()).toBe('63,6%')
    expect(await page.locator('#report-table').locator('..').locator('.definition').innerText()).toBe(DEFINED)
    await page.screenshot({ path: join(ARTIFACTS, 'scale-5-report.png'), fullPage: true })

    // The printed report: five level columns in both tables, the definition in the note.
    await page.goto(base + '/print?office=hcc&period=2024-03&date=2024-04-01')
    await page.waitForSelector('.official-table')
    const printHeads = await page.locator('.official-table').first().locator('thead th').allInnerTexts()
    expect(printHeads.slice(2, 7)).toEqual(FIVE)
    expect(await page.locator('.headline').innerText()).toContain('Rất hài lòng: 4; Hài lòng: 3; Bình thường: 3; Không hài lòng: 1; Rất không hài lòng: 3')
    expect(await page.locator('p.definition').innerText()).toContain(`Ghi chú: ${DEFINED}. Chỉ số = điểm trung bình mỗi đánh giá (Rất hài lòng = 100, Hài lòng = 75, Bình thường = 50, Không hài lòng = 25, Rất không hài lòng = 0).`)
    await page.emulateMedia({ media: 'print' })
    await page.screenshot({ path: join(ARTIFACTS, 'scale-5-print.png'), fullPage: true })
  }, 120_000)
})
