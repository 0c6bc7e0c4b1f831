/**
 * The live page while presses stream in (issue 16): a person's 100 ms click on "Nhận quầy"
 * always lands, Tab reaches every control and focus stays put through updates, and a session
 * that ends takes the page to the login page saying why. Real gateway, real mqtt.js boxes
 * pressing at 20 presses/s, Debian's Chromium.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { MqttClient } from 'mqtt'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { pressTopic } from '../../protocol/index.ts'
import { join } from 'node:path'
import { ARTIFACTS, apiCall, launchBrowser, login, newPage } from './browser.ts'
import { loginFirstAdmin } from '../helpers/first-admin.ts'

let gw: TestGateway
let base: string
let admin: { username: string; password: string }
let browser: Browser

beforeAll(async () => {
  // No cooldown and no human-rate limit: every one of the 20 presses/s is counted and shown.
  gw = await startTestGateway({ registry: OFFICE, standardParts: true, config: { ingest: { cooldownMs: 0, burst: { presses: 1_000_000, windowMs: 1 } } } })
  base = `http://127.0.0.1:${gw.gw.http!.port}`
  // The printed password must be changed first (the dashboard allows nothing else).
  const printed = gw.gw.notices.firstAdmin!
  await loginFirstAdmin(base, printed)
  admin = { username: printed.username, password: 'the admin chose this one' }
  browser = await launchBrowser()
})

/** Presses at `perSecond` from real boxes, round robin; counts what the gateway acknowledged. */
// One connection per box for the whole file: a box that connects again takes its own
// connection over, and the gateway locks out a box whose connections keep doing that.
const boxes: Array<[string, MqttClient]> = []
let seq = 0

async function streamPresses(perSecond: number) {
  if (boxes.length === 0) for (const id of ['box-1', 'box-2']) boxes.push([id, await gw.connectBox(id, SECRET(id))])
  let acked = 0
  const inflight = new Set<Promise<unknown>>()
  const timer = setInterval(() => {
    const [id, box] = boxes[seq % boxes.length]
    const rating = (['positive', 'neutral', 'negative'] as const)[seq % 3]
    const p = box.publishAsync(pressTopic(id), JSON.stringify({ seq: ++seq, boot: 'live-page', rating, ageMs: 0 }), { qos: 1 }).then(() => acked++)
    inflight.add(p)
    void p.finally(() => inflight.delete(p))
  }, 1000 / perSecond)
  return {
    get acked() {
      return acked
    },
    async stop() {
      clearInterval(timer)
      await Promise.all(inflight)
      return acked
    },
  }
}

const totalShown = (page: Page) => page.locator('#live-officers tfoot td[data-rating="total"]').innerText().then((s) => Number(s.replace(/\D/g, '')))

describe('live page under streaming presses', () => {
  it('a 100 ms click on "Nhận quầy" signs the officer in, 100 times out of 100, while presses stream at 20/s', async () => {
    const page = await newPage(browser)
    await login(page, base, admin.username, admin.password)
    const presses = await streamPresses(20)
    const q1 = page.locator('.counter[data-counter="q1"]')
    const officers = ['an', 'binh', 'cuong']
    let ok = 0
    for (let i = 0; i < 100; i++) {
      const officer = officers[i % officers.length]
      await q1.locator('select.duty-officer').selectOption(officer)
      const box = (await q1.locator('button.sign-in').boundingBox())!
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
      await page.mouse.down()
      await page.waitForTimeout(100)
      await page.mouse.up()
      // The duty state as the API has it: the open session at Quầy 1 is this officer's, and
      // this click opened exactly one more session (no missed and no doubled sign-in).
      const landed = await expect
        .poll(
          async () => {
            const res = await page.request.get(base + '/api/duty?office=hcc')
            const sessions = ((await res.json()) as { sessions: Array<{ counterId: string; officerId: string; endMs: number | null }> }).sessions.filter((s) => s.counterId === 'q1')
            return { count: sessions.length, open: sessions.find((s) => s.endMs === null)?.officerId }
          },
          { timeout: 5000, interval: 50 },
        )
        .toEqual({ count: i + 1, open: officer })
        .then(
          () => true,
          async (err) => {
            // What the page looked like when a click did not land.
            console.error(err)
            await page.screenshot({ path: join(ARTIFACTS, 'click-fail.png') })
            return false
          },
        )
      if (landed) ok++
      else break
    }
    const sent = await presses.stop()
    expect(ok).toBe(100)
    // The page kept counting all along: it shows every acknowledged press.
    expect(sent).toBeGreaterThan(200)
    await expect.poll(() => totalShown(page), { timeout: 10_000 }).toBe(sent)
  }, 300_000)

  it('Tab reaches every control of the live page, and focus stays where it is, while updates stream', async () => {
    const page = await newPage(browser)
    await login(page, base, admin.username, admin.password)
    const presses = await streamPresses(20)
    // Mark every control once; an element replaced by an update would lose its mark.
    const count = await page.evaluate(() => {
      const all = [...document.querySelectorAll<HTMLElement>('#top a[href], #top button, #top select, #view a[href], #view button, #view select, #view input')]
      all.forEach((el, i) => (el.dataset.tabMark = String(i)))
      return all.length
    })
    expect(count).toBeGreaterThanOrEqual(10)
    const before = await totalShown(page)
    const reached = new Set<string>()
    // A few more presses than controls: a scrolling region (the alerts) may take a stop too.
    for (let i = 0; i < count + 3; i++) {
      await page.keyboard.press('Tab')
      await page.waitForTimeout(60) // a few updates land between presses of the key
      const mark = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset?.tabMark)
      if (mark !== undefined) reached.add(mark)
    }
    expect([...reached].sort()).toEqual(Array.from({ length: count }, (_, i) => String(i)).sort())
    // Focus a control deep in the page and let a second of updates pass: it keeps focus.
    await page.locator('.counter[data-counter="q2"] button.sign-in').focus()
    const start = await totalShown(page)
    await expect.poll(() => totalShown(page), { timeout: 10_000 }).toBeGreaterThan(start + 10)
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).closest('.counter')?.getAttribute('data-counter') + ' ' + document.activeElement!.className)).toBe('q2 sign-in')
    expect(await totalShown(page)).toBeGreaterThan(before)
    await presses.stop()
  })

  it('a session that ends takes the page to the login page, which says why in Vietnamese', async () => {
    const page = await newPage(browser)
    await login(page, base, admin.username, admin.password)
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('open')
    // The session ends elsewhere (another tab logs out): the stream closes and the page finds out.
    const other = await page.context().request.post(base + '/api/logout', { headers: { 'x-csrf-token': (await page.context().cookies()).find((c) => c.name === 'cd_csrf')!.value } })
    expect(other.status()).toBe(204)
    await page.waitForURL(/\/login\?reason=expired$/, { timeout: 10_000 })
    await expect.poll(() => page.locator('#login-reason').innerText()).toContain('Phiên đăng nhập đã hết hạn')
  })

  it('serves no citizens\' page unless configured, and the display-token API only to admins', async () => {
    const page = await newPage(browser)
    const res = await page.request.get(base + '/api/public/hcc')
    expect(res.status()).not.toBe(200)
    await login(page, base, admin.username, admin.password)
    expect((await apiCall(page, 'GET', '/api/display-tokens')).status).toBe(200)
  })
})
