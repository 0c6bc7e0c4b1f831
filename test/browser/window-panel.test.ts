/**
 * The rating-window panel of the admin counters view (windows.js) in Debian's Chromium
 * (playwright-core) against a real gateway: an admin opens a window at a counter, it shows as
 * open; a press through the real ingest pipeline carrying its id closes it as rated; a second
 * window that runs out shows as not rated; today's report beside it gives the response rate,
 * and which rule applies to presses with no window in each office. Screenshot in
 * test-artifacts/window-panel.png.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestApp, press, PASSWORD } from '../http/app-helper.ts'
import { startOfLocalDay } from '../../gateway/local-time.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { ARTIFACTS, launchBrowser, login } from './browser.ts'

const TZ = 'Asia/Ho_Chi_Minh'
const AXE = readFileSync(join(process.cwd(), 'node_modules/axe-core/axe.min.js'), 'utf8')

describe('rating-window panel', () => {
  it('opens a window, shows it rated after the press with its id, and the response rate of today', async () => {
    // The gateway's clock stands at 10:00 of a day ahead of the machine's: session cookies it
    // dates are not already expired for the browser, which keeps the machine's own clock.
    let now = startOfLocalDay(Date.now(), TZ) + 10 * 3600_000
    if (now <= Date.now()) now += 24 * 3600_000
    const t = await startTestApp({ now: () => now, config: { alerts: { system: false }, windows: { offices: { other: { noWindowCounts: false } } } } })
    const base = `http://127.0.0.1:${t.gw.http!.port}`
    // axe is injected by evaluation; the page's CSP (script-src 'self') stays as it is.
    const context = await (await launchBrowser()).newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN', bypassCSP: true })
    registerCleanup(() => context.close())
    const page = await context.newPage()
    await login(page, base, 'admin', PASSWORD)
    await page.goto(base + '/admin#counters')
    const panel = page.locator('#window-panel')
    await panel.waitFor()
    const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 })

    await panel.locator('select[name="counter"]').selectOption('q1')
    await panel.locator('input[name="reference"]').fill('HS-000.01.23.H56-001')
    await panel.locator('button[type="submit"]').click()
    await poll(() => panel.locator('.window-status').innerText()).toBe('Đã mở phiên đánh giá tại Quầy 1 (HS-000.01.23.H56-001), hết hạn lúc 10:01:00')
    const first = panel.locator('.window-recent li').first()
    expect(await first.getAttribute('data-state')).toBe('open')
    expect(await first.innerText()).toBe('10:00:00 HS-000.01.23.H56-001 — đang mở')
    const id = (await first.getAttribute('data-id'))!
    // The gateway opened it for counter q1 with that reference.
    expect(t.gw.windows.get(id)).toMatchObject({ counterId: 'q1', reference: 'HS-000.01.23.H56-001', closedAt: null, openedBy: 'user:admin' })

    // The citizen rates: the box's press carries the window id.
    now += 12_000
    await t.gw.ingest.submit('box-1', 'press', Buffer.from(press(1, 'positive', { repeat: false, window: id })))
    await poll(() => page.locator(`#window-panel li[data-id="${id}"]`).getAttribute('data-state')).toBe('rated')
    expect(await page.locator(`#window-panel li[data-id="${id}"]`).innerText()).toBe('10:00:00 HS-000.01.23.H56-001 — đã đánh giá')
    const report = page.locator('#window-report')
    await poll(() => report.locator('.window-totals').innerText()).toBe('Đã mở 1 phiên, 1 phiên được đánh giá: tỷ lệ phản hồi 100%')

    // A second window nobody rates: it runs out and the rate halves.
    await panel.locator('button[type="submit"]').click()
    await poll(() => panel.locator('.window-recent li').count()).toBe(2)
    now += 61_000
    t.gw.windows.expire()
    await poll(() => panel.locator('.window-recent li').first().getAttribute('data-state')).toBe('notRated')
    await poll(() => report.locator('tr[data-counter="q1"] td[data-field="responseRate"]').innerText()).toBe('50%')
    expect(await report.locator('tr[data-counter="q1"]').innerText()).toMatch(/^Quầy 1\s+2\s+1\s+50%$/)
    expect(await report.locator('.window-totals').innerText()).toBe('Đã mở 2 phiên, 1 phiên được đánh giá: tỷ lệ phản hồi 50%')
    // Which rule applies to presses outside any window, office by office (config windows.offices).
    expect(await report.locator('.window-rule').allInnerTexts()).toEqual([
      'Trung tâm Phục vụ hành chính công: lượt bấm ngoài phiên đánh giá được tính (có đánh dấu)',
      'UBND phường Khác: lượt bấm ngoài phiên đánh giá không được tính',
    ])
    await page.screenshot({ path: join(ARTIFACTS, 'window-panel.png'), fullPage: true })

    // On a 360 px phone nothing scrolls sideways, and axe finds nothing serious in the panel.
    await page.setViewportSize({ width: 360, height: 740 })
    await page.waitForTimeout(300)
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth)).toBeLessThanOrEqual(0)
    await page.screenshot({ path: join(ARTIFACTS, 'window-panel-360.png'), fullPage: true })
    await page.evaluate(AXE)
    const violations = await page.evaluate(() =>
      (window as unknown as { axe: { run(el: string): Promise<{ violations: Array<{ id: string; impact: string }> }> } }).axe
        .run('#window-panel')
        .then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)),
    )
    expect(violations).toEqual([])
  })

  it('the Alerts page reads a tampering alert with its counter, officer and figures, in Vietnamese and English', async () => {
    let now = startOfLocalDay(Date.now(), TZ) + 10 * 3600_000
    if (now <= Date.now()) now += 24 * 3600_000
    const t = await startTestApp({ now: () => now, config: { alerts: { system: false } } })
    // Bình on duty at q2 opens five windows in a row that nobody rates.
    t.registry.signIn('binh', 'q2', now)
    for (let i = 0; i < 5; i++) {
      t.gw.windows.openWindow({ counterId: 'q2', by: 'user:test' })
      now += 61_000
      t.gw.windows.expire()
    }
    const [alert] = t.gw.alerts!.refresh().filter((a) => a.kind === 'tampering')
    expect(alert).toMatchObject({ counterId: 'q2', officerId: 'binh', signal: { kind: 'unratedRun', windows: 5 } })

    const page = await (await launchBrowser()).newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' }).then((c) => (registerCleanup(() => c.close()), c.newPage()))
    const base = `http://127.0.0.1:${t.gw.http!.port}`
    await login(page, base, 'head', PASSWORD)
    await page.goto(base + '/alerts')
    const row = page.locator(`#alerts-table tr[data-id="${alert.id}"]`)
    await row.waitFor()
    // Each cell's first line (the alert's cell has its history folded below).
    const cells = async () => (await row.locator('td').allInnerTexts()).map((x) => x.split('\n')[0])
    expect((await cells()).slice(2, 5)).toEqual(['Quầy 2: 5 phiên đánh giá liên tiếp không được đánh giá (10:00–10:04)', 'Quầy 2', 'Trần Thị Bình'])
    await page.screenshot({ path: join(ARTIFACTS, 'window-tampering-alert.png'), fullPage: true })
    await page.selectOption('#lang', 'en')
    await expect.poll(async () => (await cells())[2], { timeout: 15_000 }).toBe('Quầy 2: 5 rating windows in a row never rated (10:00–10:04)')
  })
})
