/**
 * The audit page and an officer's own page in headless Chromium, as an office head and an
 * officer would use them: the head finds who signed an officer in and from where, filtered
 * by officer, and downloads the CSV; the officer lands on their own page, sees yesterday's
 * figures and nothing of today, and has no way to the other pages.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { OFFICE, press } from '../helpers/office.ts'
import { Accounts } from '../../gateway/http/accounts.ts'

const PASSWORD = 'correct horse battery'
// The gateway's clock: Tuesday 11 August 2026, 10:00 in Hanoi (the browser keeps its own).
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+07:00`)
let now = at('2026-08-10', '09:00')

let gw: TestGateway
let base: string
let browser: Browser

beforeAll(async () => {
  gw = await startTestGateway({ registry: OFFICE, standardParts: true, config: { ingest: { cooldownMs: 0 } }, now: () => now })
  base = `http://127.0.0.1:${gw.gw.http!.port}`
  const accounts = new Accounts(gw.gw.db, () => now)
  await accounts.create({ username: 'truong', password: PASSWORD, role: 'head', officeId: 'hcc' })
  await accounts.create({ username: 'an', password: PASSWORD, role: 'officer', officeId: null, officerId: 'an' })
  gw.gw.registry.as({ actor: 'truong', source: '192.0.2.7' }).signIn('an', 'q1', now)
  for (const [seq, rating] of [[1, 'positive'], [2, 'positive'], [3, 'negative']] as const) {
    await gw.gw.ingest.submit('box-1', 'press', Buffer.from(press(seq, rating, { repeat: false })))
  }
  now = at('2026-08-11', '10:00')
  await gw.gw.ingest.submit('box-1', 'press', Buffer.from(press(4, 'negative', { repeat: false })))
  const { LD_PRELOAD: _preload, FAKETIME: _faketime, ...env } = process.env
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    env,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  registerCleanup(() => browser.close())
})

async function loggedIn(username: string, landsOn: RegExp): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'vi-VN' })
  registerCleanup(() => context.close())
  const page = await context.newPage()
  await page.goto(base + '/login')
  await page.fill('#username', username)
  await page.fill('#password', PASSWORD)
  await page.click('#login-button')
  await page.waitForURL(landsOn)
  return page
}

describe('audit and officer pages', () => {
  it('an office head finds who signed an officer in, and from where, and downloads the CSV', async () => {
    const page = await loggedIn('truong', /\/live$/)
    await page.click('nav a[href="/audit"]')
    await page.fill('#audit-from', '2026-08-10')
    await page.fill('#audit-to', '2026-08-11')
    await page.selectOption('#audit-officer', 'an')
    await page.click('#audit-show')
    const row = page.locator('#audit-table tbody tr', { hasText: 'Nhận quầy' })
    await expect.poll(() => row.count()).toBe(1)
    const cells = await row.locator('td').allTextContents()
    expect(cells.slice(1, 5)).toEqual(['truong', '192.0.2.7', 'Nhận quầy', 'officer:an'])
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#audit-csv')])
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv).toContain(';truong;192.0.2.7;duty.sign-in;officer:an;hcc;q1;an;')
  })

  it('an officer sees their own figures up to yesterday on their own page, and only that page', async () => {
    const page = await loggedIn('an', /\/me$/)
    await expect.poll(() => page.locator('nav a').allTextContents()).toEqual(['Kết quả của tôi'])
    await page.fill('#me-from', '2026-08-01')
    await page.fill('#me-to', '2026-08-31')
    await page.click('#me-show')
    const figure = (key: string) => page.locator(`#me-table tr[data-key="${key}"] td`).textContent()
    await expect.poll(() => figure('total')).toBe('3')
    expect(await figure('negative')).toBe('1') // today's frown is not shown yet
    // Typing another page's address brings the officer back to their own.
    await page.goto(base + '/reports')
    await page.waitForURL(/\/me$/)
  })
})
