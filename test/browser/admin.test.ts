/**
 * Accounts, the shift grid, the admin page's details and every page's fit and accessibility,
 * in Debian's Chromium (playwright-core) against a real gateway: the first admin changes the
 * printed password before anything else; a user changes their own; an admin resets one; the
 * shift grid saved and copied decides who gets a real press; server refusals read in
 * Vietnamese (English when chosen); at 360 px no page scrolls sideways; axe-core finds no
 * serious or critical violation. Screenshots (1366x768, 390x844) go to test-artifacts/.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type Page } from 'playwright-core'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { OFFICE, press } from '../helpers/office.ts'
import { Accounts } from '../../gateway/http/accounts.ts'
import { localTime, startOfLocalDay } from '../../gateway/local-time.ts'
import { launchBrowser } from './browser.ts'

const ARTIFACTS = join(process.cwd(), 'test-artifacts')
const AXE = readFileSync(join(process.cwd(), 'node_modules/axe-core/axe.min.js'), 'utf8')
const TZ = 'Asia/Ho_Chi_Minh'
const PASSWORD = 'a long test password'

// The gateway's clock stands at 10:00 (office time) of the next day that is still ahead of the
// machine's clock: inside a morning shift whatever today is, and session cookies, dated by the
// gateway, are not already expired for the browser, which keeps the machine's own clock.
let frozen = startOfLocalDay(Date.now(), TZ) + 10 * 3600_000
if (frozen <= Date.now()) frozen += 24 * 3600_000
const WEEKDAY = localTime(frozen, TZ).weekday

let gw: TestGateway
let base: string
let printed: { username: string; password: string }
let browser: Browser
let accounts: Accounts

beforeAll(async () => {
  // The clock guard's monotonic clock stands still with it: a frozen wall clock beside a running
  // monotonic one is a clock stepping back, and its alert would sit on the live page.
  gw = await startTestGateway({ registry: OFFICE, standardParts: true, now: () => frozen, monotonic: () => frozen, config: { ingest: { cooldownMs: 0 } } })
  base = `http://127.0.0.1:${gw.gw.http!.port}`
  printed = gw.gw.notices.firstAdmin!
  accounts = new Accounts(gw.gw.db, () => frozen)
  await accounts.create({ username: 'head', password: PASSWORD, role: 'head', officeId: 'hcc' })
  await accounts.create({ username: 'boss', password: PASSWORD, role: 'admin', officeId: null })
  browser = await launchBrowser()
})

async function newPage(viewport = { width: 1366, height: 768 }, opts: { bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', ...opts })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
  registerCleanup(() => context.close())
  const page = await context.newPage()
  page.on('dialog', (d) => void d.accept())
  return page
}

async function login(page: Page, username: string, password: string, landing: RegExp = /\/live$/) {
  await page.goto(base + '/login')
  await page.fill('#username', username)
  await page.fill('#password', password)
  await page.click('#login-button')
  await page.waitForURL(landing)
}

async function changePassword(page: Page, current: string, next: string, repeat = next) {
  await page.fill('#current-password', current)
  await page.fill('#new-password', next)
  await page.fill('#repeat-password', repeat)
  await page.click('#password-button')
}

let seq = 0
async function pressAt(boxId: string) {
  await gw.gw.ingest.submit(boxId, 'press', Buffer.from(press(++seq, 'positive', { repeat: false })))
  return (gw.gw.db.prepare('SELECT officer_id FROM presses WHERE box_id = ? AND seq = ?').get(boxId, seq) as { officer_id: string | null }).officer_id
}

const notice = (page: Page) => page.locator('#notice')
// Password hashing (scrypt) takes its time on a loaded machine.
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 })
const DAY_VI = ['', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ Nhật'][WEEKDAY]
const DAY_EN = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][WEEKDAY]

describe('accounts', () => {
  it('the first admin must change the printed password before anything else works', async () => {
    const page = await newPage()
    await login(page, printed.username, printed.password, /\/password$/)
    await poll(() => page.locator('#must-change').isVisible()).toBe(true)
    // Any page leads back here until it is changed.
    await page.goto(base + '/admin')
    await page.waitForURL(/\/password$/)
    await changePassword(page, printed.password, 'my very own password', 'my very own passwort')
    await poll(() => page.locator('#password-error').innerText()).toBe('Hai lần nhập mật khẩu mới không giống nhau')
    await page.screenshot({ path: join(ARTIFACTS, 'password-forced.png'), fullPage: true })
    await changePassword(page, printed.password, printed.password)
    await poll(() => page.locator('#password-error').innerText()).toBe('Mật khẩu mới phải khác mật khẩu hiện tại')
    await changePassword(page, printed.password, 'my very own password')
    await page.waitForURL(/\/live$/)
    await page.goto(base + '/admin#users')
    await page.waitForSelector('#users-table')
    // The printed password is spent.
    const other = await newPage()
    await other.goto(base + '/login')
    await other.fill('#username', printed.username)
    await other.fill('#password', printed.password)
    await other.click('#login-button')
    await poll(() => other.locator('#login-error').innerText()).toBe('Sai tên đăng nhập hoặc mật khẩu')
  })

  it('a user changes their own password; a wrong current one is refused in Vietnamese', async () => {
    await accounts.create({ username: 'own', password: PASSWORD, role: 'head', officeId: 'hcc' })
    const page = await newPage()
    await login(page, 'own', PASSWORD)
    await page.goto(base + '/admin')
    await page.click('#change-password')
    await page.waitForURL(/\/password$/)
    expect(await page.locator('#must-change').count()).toBe(0)
    await changePassword(page, 'not my password', 'a brand new password')
    await poll(() => page.locator('#password-error').innerText()).toBe('Mật khẩu hiện tại không đúng')
    await changePassword(page, PASSWORD, 'a brand new password')
    await page.waitForURL(/\/live$/)
    const again = await newPage()
    await login(again, 'own', 'a brand new password')
  })

  it('an admin resets a password: a one-time password shown once, in view, with a copy button; the user must change it', async () => {
    const page = await newPage()
    await login(page, 'boss', PASSWORD)
    await page.goto(base + '/admin#users')
    await page.click('#users-table tr[data-user="head"] button[data-action="reset"]')
    const shown = page.locator('#one-time-password')
    await poll(() => shown.isVisible()).toBe(true)
    expect(await shown.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight })).toBe(true)
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-copy'))).toBe('one-time-password')
    const oneTime = await shown.innerText()
    await page.click('#one-time-password-box button.copy')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(oneTime)
    await page.screenshot({ path: join(ARTIFACTS, 'admin-users-reset.png') })

    const head = await newPage()
    await login(head, 'head', oneTime, /\/password$/)
    await poll(() => head.locator('#must-change').isVisible()).toBe(true)
    await changePassword(head, oneTime, 'head has a new one')
    await head.waitForURL(/\/live$/)
  })
})

describe('admin page', () => {
  it('shift grid: a week saved in one submit and copied to another counter decides who gets a press', async () => {
    const page = await newPage()
    await login(page, 'boss', PASSWORD)
    await page.goto(base + '/admin#shifts')
    await page.waitForSelector('#shift-grid')
    // Weekdays by name, never by number.
    expect(await page.locator('#shift-grid tbody th').allInnerTexts()).toEqual(['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ Nhật'])
    expect(await page.locator('#admin-body').innerText()).not.toMatch(/\d\s*=\s*Thứ/)
    const cell = (day: number, slot: string) => `#shift-grid select[data-day="${day}"][data-slot="${slot}"]`
    await page.selectOption(cell(WEEKDAY, 'morning'), 'binh')
    await page.selectOption(cell(WEEKDAY, 'afternoon'), 'an')
    await page.click('#save-week')
    await poll(() => notice(page).innerText()).toBe('Đã lưu lịch trực tuần')
    expect(await pressAt('box-1')).toBe('binh')
    await page.screenshot({ path: join(ARTIFACTS, 'admin-shifts.png'), fullPage: true })

    // Copy Quầy 1's week into Quầy 2's grid: with the same officers the server refuses (one
    // person, two counters), in Vietnamese and with names; with another officer it saves.
    await page.selectOption('#shift-counter', 'q2')
    await page.waitForSelector('#shift-grid caption:has-text("Quầy 2")')
    await page.selectOption('#copy-source', 'q1')
    await page.click('#copy-week')
    expect(await page.locator(cell(WEEKDAY, 'morning')).inputValue()).toBe('binh')
    await page.click('#save-week')
    await poll(() => page.locator('#shift-status').innerText()).toBe(`Lỗi: Cán bộ Trần Thị Bình đã có lịch ở Quầy 1 vào ${DAY_VI}, 07:30–11:30`)
    expect(gw.gw.registry.shifts('q2')).toEqual([])
    await page.selectOption(cell(WEEKDAY, 'morning'), 'cuong')
    await page.selectOption(cell(WEEKDAY, 'afternoon'), '')
    await page.click('#save-week')
    await poll(() => notice(page).innerText()).toBe('Đã lưu lịch trực tuần')
    expect(await pressAt('box-2')).toBe('cuong')

    // The same refusal reads in English when the page is in English.
    await page.selectOption('#lang', 'en')
    await page.goto(base + '/admin#shifts')
    await page.selectOption('#shift-counter', 'q2')
    await page.waitForSelector('#shift-grid caption:has-text("Quầy 2")')
    await page.selectOption(cell(WEEKDAY, 'morning'), 'binh')
    await page.click('#save-week')
    await poll(() => page.locator('#shift-status').innerText()).toBe(`Error: Officer Trần Thị Bình is already scheduled at Quầy 1 on ${DAY_EN}, 07:30–11:30`)
    await page.selectOption('#lang', 'vi')
  })

  it('the box secret appears under the provision button, in view, focused, with a copy button; "move" starts at the box\'s counter', async () => {
    const page = await newPage({ width: 390, height: 844 })
    await login(page, 'boss', PASSWORD)
    await page.goto(base + '/admin#boxes')
    await page.waitForSelector('#boxes-table')
    expect(await page.locator('#boxes-table tr[data-box="box-2"] select').inputValue()).toBe('q2')
    expect(await page.locator('#boxes-table tr[data-box="box-1"] select').inputValue()).toBe('q1')
    await page.fill('#box-form [name=id]', 'box-new')
    await page.selectOption('#box-form [name=counter]', 'q2')
    await page.click('#box-form button[type=submit]')
    const secret = page.locator('#new-secret')
    await poll(() => secret.isVisible()).toBe(true)
    expect(await page.evaluate(() => document.querySelector('#box-form')?.nextElementSibling?.id)).toBe('new-secret-box')
    expect(await secret.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight })).toBe(true)
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-copy'))).toBe('new-secret')
    await page.screenshot({ path: join(ARTIFACTS, 'admin-boxes-secret-phone.png') })
    const box = await gw.connectBox('box-new', await secret.innerText())
    expect(box.connected).toBe(true)
    expect(await page.locator('#boxes-table tr[data-box="box-new"] select').inputValue()).toBe('q2')
  })
})

const PAGES: Array<[string, string, string]> = [
  ['login', '/login', '#login-button'],
  ['password', '/password', '#password-form'],
  ['live', '/live', '#live-officers'],
  ['reports', '/reports', '#report-results'],
  ...['offices', 'counters', 'officers', 'boxes', 'duty', 'shifts', 'users', 'alertSettings'].map((tab): [string, string, string] => [`admin-${tab}`, `/admin#${tab}`, '#admin-body > *']),
]

describe('every page', () => {
  it('fits a 360 px phone, passes axe-core without serious or critical violations, and is photographed', async () => {
    const problems: string[] = []
    for (const [viewport, tag] of [
      [{ width: 360, height: 740 }, '360'],
      [{ width: 390, height: 844 }, 'phone'],
      [{ width: 1366, height: 768 }, 'desktop'],
    ] as const) {
      // axe is injected by evaluation; the pages' CSP (script-src 'self') stays as it is.
      const page = await newPage(viewport, { bypassCSP: true })
      for (const [name, path, ready] of PAGES) {
        if (name === 'login') await page.context().clearCookies()
        if (name === 'password') await login(page, 'boss', PASSWORD)
        await page.goto('about:blank')
        await page.goto(base + path)
        await page.waitForSelector(ready)
        await page.waitForTimeout(300)
        if (tag === '360') {
          const { scroll, client } = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, client: document.scrollingElement!.clientWidth }))
          if (scroll > client) problems.push(`${name}: scrollWidth ${scroll} > clientWidth ${client} at 360 px`)
          await page.evaluate(AXE)
          const violations = (await page.evaluate(() =>
            (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }> } }).axe
              .run()
              .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) }))),
          )) as Array<{ id: string; impact: string; nodes: string[] }>
          for (const v of violations) if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${name}: ${v.impact} ${v.id} ${v.nodes.join(' ')}`)
        } else {
          await page.screenshot({ path: join(ARTIFACTS, `page-${name}-${tag}.png`), fullPage: true })
        }
      }
    }
    expect(problems).toEqual([])
  }, 600_000)
})
