/**
 * The Alerts page in headless Chromium (Debian's chromium via playwright-core): an office head
 * finds the frown alert of their counter with its officer and figures, acknowledges it with a
 * comment, and sees it acknowledged under their name with its history. A real gateway (the
 * standard parts), real ingest, on the machine's clock: the browser keeps its own clock and
 * would drop a session cookie dated by a frozen one (the rule's window is relative to now).
 */
import { describe, expect, it } from 'vitest'
import { startTestApp, PASSWORD } from '../http/app-helper.ts'
import { launchBrowser } from './browser.ts'

describe('alerts page', () => {
  it('lists the alert with counter, officer and figures; a head acknowledges it with a comment', async () => {
    const t = await startTestApp({ config: { alerts: { system: false } } })
    const head = await t.login('head')
    expect((await head.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })).statusCode).toBe(201)
    for (let seq = 1; seq <= 10; seq++) await t.pressAs('box-1', seq, seq <= 3 ? 'positive' : 'negative')
    const [alert] = t.gw.alerts!.refresh()

    // The browser keeps the machine's own clock (Chromium hangs under libfaketime).
    const browser = await launchBrowser()
    const page = await (await browser.newContext({ locale: 'vi-VN' })).newPage()
    const base = `http://127.0.0.1:${t.gw.http!.port}`
    await page.goto(base + '/alerts')
    await page.waitForURL(/\/login$/)
    await page.fill('#username', 'head')
    await page.fill('#password', PASSWORD)
    await page.click('#login-button')
    await page.waitForURL(/\/live$/)
    await page.click('nav a[href="/alerts"]')
    const row = page.locator(`#alerts-table tr[data-id="${alert.id}"]`)
    await row.waitFor()
    const text = await row.innerText()
    expect(text).toContain('Quầy 1: 7/10 đánh giá không hài lòng trong 60 phút')
    expect(text).toContain('Nguyễn Văn An')
    expect(await row.getAttribute('data-state')).toBe('open')

    await row.locator('input[name="comment"]').fill('Đã nhắc nhở cán bộ')
    await row.locator('button[type="submit"]').click()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged')
    expect(await row.innerText()).toMatch(/head xác nhận lúc .*: Đã nhắc nhở cán bộ/)
    await row.locator('details summary').click()
    expect(await row.locator('ol.history li').allInnerTexts()).toEqual([expect.stringContaining('Phát sinh'), expect.stringMatching(/Xác nhận \(head\): Đã nhắc nhở cán bộ$/)])
    // The record says who and why, as the page showed.
    expect(t.gw.alerts!.history.get(alert.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'head', comment: 'Đã nhắc nhở cán bộ' })
  })
})
