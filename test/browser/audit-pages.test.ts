/**
 * The audit page and an officer's own page in headless Chromium, as an office head and an
 * officer would use them: the head finds who signed an officer in and from where, filtered
 * by officer, and downloads the CSV; the officer lands on their own page, sees yesterday's
 * figures and nothing of today, and has no way to the other pages.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { type Browser, type Page } from 'playwright-core'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { OFFICE, press } from '../helpers/office.ts'
import { Accounts } from '../../gateway/http/accounts.ts'
import { localTime } from '../../gateway/local-time.ts'
import { launchBrowser } from './browser.ts'

const PASSWORD = 'correct horse battery'
const DAY = 86400_000
// The browser keeps the machine's clock (its session cookie expires by it), so the gateway
// does too; every date below is relative to it, so the test holds on any day.
const localDate = (ms: number) => localTime(ms, 'Asia/Ho_Chi_Minh').date
const started = Date.now()

let gw: TestGateway
let base: string
let browser: Browser

beforeAll(async () => {
  gw = await startTestGateway({ registry: OFFICE, standardParts: true, config: { ingest: { cooldownMs: 0 } } })
  base = `http://127.0.0.1:${gw.gw.http!.port}`
  const accounts = new Accounts(gw.gw.db)
  await accounts.create({ username: 'truong', password: PASSWORD, role: 'head', officeId: 'hcc' })
  await accounts.create({ username: 'an', password: PASSWORD, role: 'officer', officeId: null, officerId: 'an' })
  const head = gw.gw.registry.as({ actor: 'truong', source: '192.0.2.7' })
  // A box at q1 since three days ago (the file's boxes stand at their counters from the start only).
  head.provisionBox('box-9', { secret: 'secret-of-box-9-0123456789', counterId: 'q1', at: started - 3 * DAY })
  head.signIn('an', 'q1', started - 3 * DAY)
  // Three presses a day ago (queued on the box: ageMs), one now, which an must not see yet.
  for (const [seq, rating] of [[1, 'positive'], [2, 'positive'], [3, 'negative']] as const) {
    await gw.gw.ingest.submit('box-9', 'press', Buffer.from(press(seq, rating, { repeat: false, ageMs: DAY + seq })))
  }
  await gw.gw.ingest.submit('box-9', 'press', Buffer.from(press(4, 'negative', { repeat: false })))
  browser = await launchBrowser()
})

/** Logs in; resolves once the page the user lands on has rendered `landsOn` (a selector). */
async function loggedIn(username: string, landsOn: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'vi-VN' })
  registerCleanup(() => context.close())
  const page = await context.newPage()
  await page.goto(base + '/login')
  await page.fill('#username', username)
  await page.fill('#password', PASSWORD)
  await page.click('#login-button')
  await page.waitForSelector(landsOn)
  return page
}

describe('audit and officer pages', () => {
  it('an office head finds who signed an officer in, and from where, and downloads the CSV', async () => {
    const page = await loggedIn('truong', '#live-officers')
    await page.click('nav a[href="/audit"]')
    await page.fill('#audit-from', localDate(started - 5 * DAY))
    await page.fill('#audit-to', localDate(Date.now()))
    await page.selectOption('#audit-officer', 'an')
    await page.click('#audit-show')
    const row = page.locator('#audit-table tbody tr', { hasText: 'Nhận quầy' })
    await expect.poll(() => row.count()).toBe(1)
    const cells = await row.locator('td').allTextContents()
    expect(cells.slice(1, 5)).toEqual(['truong', '192.0.2.7', 'Nhận quầy', 'officer:an'])
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#audit-csv')])
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv).toContain(';truong;192.0.2.7;duty.sign-in;officer:an;hcc;q1;an;')
  }, 120_000)

  it('an officer sees their own figures up to yesterday on their own page, and only that page', async () => {
    const page = await loggedIn('an', '#me-form')
    expect(new URL(page.url()).pathname).toBe('/me')
    await expect.poll(() => page.locator('nav a').allTextContents()).toEqual(['Kết quả của tôi'])
    await page.fill('#me-from', localDate(started - 5 * DAY))
    await page.fill('#me-to', localDate(Date.now()))
    await page.click('#me-show')
    const figure = (key: string) => page.locator(`#me-table tr[data-key="${key}"] td`).textContent()
    await expect.poll(() => figure('total')).toBe('3')
    expect(await figure('negative')).toBe('1') // today's frown is not shown yet
    // Typing another page's address brings the officer back to their own.
    await page.goto(base + '/reports')
    await page.waitForSelector('#me-form')
    expect(new URL(page.url()).pathname).toBe('/me')
  }, 120_000)
})
