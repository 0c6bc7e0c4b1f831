/**
 * The wall screen and the citizens' screen (issue 16) in Chromium, for a 50-counter centre:
 * with a display token the wall shows every counter on a 1920×1080 screen without scrolling
 * and without controls, updates live, and the token can change nothing; revoked, the screen
 * says so. The citizens' page (http.publicView) shows the office's satisfaction and never an
 * officer. Screenshots of the live page, the wall and the citizens' page go to test-artifacts/.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { largeOffice, SECRET } from '../helpers/office.ts'
import { pressTopic } from '../../protocol/index.ts'
import { ARTIFACTS, apiCall, launchBrowser, login, newPage } from './browser.ts'
import { loginFirstAdmin } from '../helpers/first-admin.ts'

const N = 50
const OFFICE = largeOffice(N)
let gw: TestGateway
let base: string
let browser: Browser
let adminPage: Page

beforeAll(async () => {
  gw = await startTestGateway({ registry: OFFICE, standardParts: true, config: { ingest: { cooldownMs: 0 }, http: { publicView: true } } })
  base = `http://127.0.0.1:${gw.gw.http!.port}`
  browser = await launchBrowser()
  adminPage = await newPage(browser)
  const admin = gw.gw.notices.firstAdmin!
  // The printed password must be changed first (the dashboard allows nothing else).
  await loginFirstAdmin(base, admin)
  await login(adminPage, base, admin.username, 'the admin chose this one')
  // Every counter has its officer signed in, as in a busy morning.
  for (let i = 1; i <= N; i++) expect((await apiCall(adminPage, 'POST', '/api/duty/sign-in', { officer: `cb${i}`, counter: `q${i}` })).status).toBe(201)
})

let seq = 0
async function pressAt(i: number, ratings: Array<'positive' | 'neutral' | 'negative'>) {
  const box = await gw.connectBox(`box-${i}`, SECRET(`box-${i}`))
  for (const rating of ratings) await box.publishAsync(pressTopic(`box-${i}`), JSON.stringify({ seq: ++seq, boot: 'wall', rating, ageMs: 0 }), { qos: 1 })
  await box.endAsync()
}

describe('wall screen', () => {
  it('shows 50 counters on 1920×1080 without scrolling or controls, live, with a display token that can change nothing', async () => {
    await pressAt(7, ['positive', 'positive', 'neutral', 'negative'])
    await adminPage.reload()
    await adminPage.waitForSelector('.counter[data-counter="q50"]')
    await adminPage.screenshot({ path: join(ARTIFACTS, 'live-50-counters.png') })

    // An admin makes a token on the Screens page: the address is shown once, the list has it.
    await adminPage.click('#top nav a[href="/displays"]')
    await adminPage.fill('#display-form [name=label]', 'Phòng trưởng bộ phận')
    await adminPage.selectOption('#display-form [name=officeId]', 'hcc')
    await adminPage.click('#display-form button[type=submit]')
    const fullUrl = await adminPage.locator('#display-url').innerText()
    expect(fullUrl).toMatch(new RegExp(`^${base}/wall/t/cdw_[A-Za-z0-9_-]{32}$`))
    const url = fullUrl.slice(base.length)
    const listed = (await apiCall(adminPage, 'GET', '/api/display-tokens')).json as { tokens: Array<{ id: number; label: string; revokedAt: number | null }> }
    const display = listed.tokens.find((d) => d.label === 'Phòng trưởng bộ phận')!
    expect(display.revokedAt).toBeNull()
    await expect.poll(() => adminPage.locator(`#displays-table tr[data-display="${display.id}"]`).innerText()).toContain('Đang dùng')
    // Only the hash is stored: the token is nowhere in the database file.
    const token = url.slice('/wall/t/'.length)
    for (const f of ['chamdiem.db', 'chamdiem.db-wal']) {
      const file = join(gw.dataDir, f)
      if (existsSync(file)) expect(readFileSync(file).includes(Buffer.from(token)), f).toBe(false)
    }

    const wall = await newPage(browser, { width: 1920, height: 1080 })
    await wall.goto(base + url)
    await wall.waitForURL(/\/wall$/)
    await expect.poll(() => wall.locator('.cell').count(), { timeout: 10_000 }).toBe(N)
    await expect.poll(() => wall.locator('#connection').getAttribute('data-state')).toBe('open')
    // The token never shows up in the address the screen keeps.
    expect(wall.url()).not.toContain('cdw_')
    const fit = await wall.evaluate(() => {
      const d = document.documentElement
      const cells = [...document.querySelectorAll('.cell')].map((c) => c.getBoundingClientRect())
      return {
        scroll: [d.scrollWidth, d.scrollHeight, window.innerWidth, window.innerHeight],
        outside: cells.filter((r) => r.left < 0 || r.top < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5).length,
        rateFontPx: parseFloat(getComputedStyle(document.querySelector('.cell .rate')!).fontSize),
        nameFontPx: parseFloat(getComputedStyle(document.querySelector('.cell h2')!).fontSize),
        controls: document.querySelectorAll('button, select, input, textarea, a[href]').length,
      }
    })
    expect(fit.scroll[0]).toBeLessThanOrEqual(fit.scroll[2])
    expect(fit.scroll[1]).toBeLessThanOrEqual(fit.scroll[3])
    expect(fit.outside).toBe(0)
    // Large type: readable across a room (the dashboard's body text is 16 px).
    expect(fit.rateFontPx).toBeGreaterThanOrEqual(40)
    expect(fit.nameFontPx).toBeGreaterThanOrEqual(18)
    expect(fit.controls).toBe(0)
    const q7 = wall.locator('.cell[data-counter="q7"]')
    expect(await q7.locator('.who').innerText()).toBe(OFFICE.officers!.find((o) => o.id === 'cb7')!.name)
    expect(await q7.locator('[data-field="satisfaction"]').innerText()).toBe('75%')

    // Live: presses show up without a reload.
    await pressAt(7, ['negative', 'negative', 'negative', 'negative'])
    await expect.poll(() => q7.locator('[data-field="satisfaction"]').innerText(), { timeout: 10_000 }).toBe('37,5%')
    await wall.screenshot({ path: join(ARTIFACTS, 'wall-1920x1080.png') })

    // The display token reads its wall and nothing else: every write (and every other read) is refused.
    const tries: Array<[string, string, unknown?]> = [
      ['POST', '/api/duty/sign-in', { officer: 'cb1', counter: 'q2' }],
      ['POST', '/api/duty/sign-out', { officer: 'cb1' }],
      ['POST', '/api/users', { username: 'x', password: 'mat-khau-dai-du', role: 'admin' }],
      ['PUT', '/api/alert-settings', {}],
      ['POST', '/api/display-tokens', { officeId: 'hcc', label: 'x' }],
      ['DELETE', `/api/display-tokens/${display.id}`],
      ['POST', '/api/password', { current: 'x', password: 'mat-khau-dai-du' }],
      ['GET', '/api/live'],
      ['GET', '/api/users'],
      ['GET', '/api/display-tokens'],
    ]
    for (const [method, path, body] of tries) {
      const res = await apiCall(wall, method, path, body)
      expect([401, 403], `${method} ${path}`).toContain(res.status)
    }
    const duty = (await apiCall(adminPage, 'GET', '/api/duty?office=hcc')).json as { sessions: Array<{ counterId: string; officerId: string; endMs: number | null }> }
    expect(duty.sessions.filter((s) => s.endMs === null).find((s) => s.officerId === 'cb1')?.counterId).toBe('q1')

    // Revoked: the screen says so at once, and the address no longer signs a screen in.
    await adminPage.click(`#displays-table tr[data-display="${display.id}"] button.revoke`)
    await expect.poll(() => adminPage.locator(`#displays-table tr[data-display="${display.id}"]`).innerText()).toContain('Đã thu hồi')
    await expect.poll(() => wall.locator('body').innerText(), { timeout: 15_000 }).toContain('thu hồi')
    const again = await newPage(browser, { width: 1920, height: 1080 })
    expect((await again.goto(base + url))!.status()).toBe(404)
    expect((await again.request.get(base + '/api/wall')).status()).toBe(401)
  }, 120_000)

  it("the citizens' page shows office-wide satisfaction only, never an officer", async () => {
    const page = await newPage(browser)
    await page.goto(base + '/public/hcc')
    await expect.poll(() => page.locator('[data-field="satisfaction"]').innerText(), { timeout: 10_000 }).toBe('37,5%')
    const text = await page.locator('body').innerText()
    const json = JSON.stringify(await (await page.request.get(base + '/api/public/hcc')).json())
    for (const o of OFFICE.officers!) {
      expect(text).not.toContain(o.name)
      expect(json).not.toContain(o.name)
      expect(json).not.toContain(`"${o.id}"`)
    }
    expect(json).not.toMatch(/officer|counter/i)
    await page.screenshot({ path: join(ARTIFACTS, 'public.png') })
    // No session came with it: the dashboard stays closed.
    expect((await page.request.get(base + '/api/live')).status()).toBe(401)
  })
})
