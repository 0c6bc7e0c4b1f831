/**
 * The live page behind a reverse proxy (issue 16): Debian's nginx, configured as an office's
 * IT person would for TLS (proxy buffering on, nginx's default), in front of a gateway in a
 * child process. The page must show that it lost the stream within 5 s, whether the gateway
 * goes silent (no heartbeats) or restarts (nginx answers 502 meanwhile, which ends an
 * EventSource for good), reconnect by itself, and then show the presses made meanwhile.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt from 'mqtt'
import type { Browser, Page } from 'playwright-core'
import { childGateway } from '../helpers/child-gateway.ts'
import { tempDir } from '../helpers/tmp.ts'
import { waitForPort } from '../helpers/ports.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { startNginx } from '../helpers/servers/nginx.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { pressTopic } from '../../protocol/index.ts'
import { ARTIFACTS, launchBrowser, login, newPage } from './browser.ts'
import { loginFirstAdmin } from '../helpers/first-admin.ts'

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

const state = (page: Page) => page.locator('#connection').getAttribute('data-state')
const totalShown = (page: Page) => page.locator('#live-officers tfoot td[data-rating="total"]').innerText().then((s) => Number(s.replace(/\D/g, '')))

/** How long until the page shows the disconnected banner, in ms (fails after 5 s). */
async function bannerAfter(page: Page, from: number): Promise<number> {
  await page.waitForSelector('#connection[data-state="lost"]', { timeout: 5000 })
  return Date.now() - from
}

describe('live page behind nginx', () => {
  it('shows the lost stream within 5 s, reconnects by itself after a silent gateway and a restart, and shows the new counts', async () => {
    const dataDir = tempDir()
    const gw = await childGateway(dataDir, { registry: OFFICE, ingest: { cooldownMs: 0 } })
    await gw.start()
    await waitForPort(gw.httpPort, 30_000)
    const nginx = await startNginx({ upstreamPort: gw.httpPort })
    const [, username, password] = readFileSync(join(dataDir, 'secrets.txt'), 'utf8').match(/first dashboard user: (\S+) \/ (\S+)/)!

    const page = await newPage(browser)
    // The printed password must be changed first (the dashboard allows nothing else).
    await loginFirstAdmin(nginx.url, { username, password })
    await login(page, nginx.url, username, 'the admin chose this one')
    await expect.poll(() => state(page), { timeout: 10_000 }).toBe('open')
    // Marks this document: a reload (the page giving up and starting over) would lose it.
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true))

    const box = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'box-1', username: 'box-1', password: SECRET('box-1'), reconnectPeriod: 250 })
    registerCleanup(() => box.endAsync(true))
    let seq = 0
    const press = async (n: number) => {
      for (let i = 0; i < n; i++) await box.publishAsync(pressTopic('box-1'), JSON.stringify({ seq: ++seq, boot: 'proxy', rating: 'positive', ageMs: 0 }), { qos: 1 })
    }
    // Events reach the page through nginx at once: its buffering is off for the stream.
    await press(3)
    await expect.poll(() => totalShown(page), { timeout: 5000 }).toBe(3)

    // The gateway stops answering without closing anything (no heartbeats): the page notices.
    gw.signal('SIGSTOP')
    const silentAt = Date.now()
    expect(await bannerAfter(page, silentAt)).toBeLessThan(5000)
    gw.signal('SIGCONT')
    await expect.poll(() => state(page), { timeout: 15_000 }).toBe('open')

    // A restart: the stream ends, nginx answers 502 until the gateway listens again.
    const stopAt = Date.now()
    await gw.kill('SIGTERM')
    expect(await bannerAfter(page, stopAt)).toBeLessThan(5000)
    await page.waitForTimeout(1500)
    expect(await state(page)).toBe('lost')
    await page.screenshot({ path: join(ARTIFACTS, 'live-disconnected.png') })
    await gw.start()
    await waitForPort(gw.httpPort, 30_000)
    await expect.poll(() => box.connected, { timeout: 15_000 }).toBe(true)
    await press(4)
    // Back by itself (backoff is at most 10 s), same document, with the presses made after the restart.
    await expect.poll(() => state(page), { timeout: 20_000 }).toBe('open')
    await expect.poll(() => totalShown(page), { timeout: 10_000 }).toBe(7)
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true)
  }, 180_000)
})
