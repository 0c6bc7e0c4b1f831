/**
 * The live page's cost in the browser (issue 16): main-thread CPU per live update at 50
 * counters, and the time to its first full render. A real gateway in this process (50
 * counters, officers signed in, boxes pressing over MQTT), Debian's Chromium via
 * playwright-core at 1366×768.
 *
 * CPU per update: Chromium's own accounting (CDP Performance.getMetrics TaskDuration: every
 * main-thread task: script, style, layout, paint), over a window in which one press is sent
 * every 250 ms (each one its own server batch, so one update each), minus the same window
 * with no presses (heartbeats, timers), divided by the presses sent.
 * "before" serves the live.js of a given commit (the whole-view rebuild) in place of today's,
 * through Playwright's request routing; everything else is the same page.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { chromium, type Browser, type Page } from 'playwright-core'
import { resolveConfig } from '../../gateway/config.ts'
import { Gateway } from '../../gateway/gateway.ts'
import { addStandardParts } from '../../gateway/parts.ts'
import { Accounts } from '../../gateway/http/accounts.ts'
import { largeOffice, SECRET } from '../../test/helpers/office.ts'
import { pressTopic } from '../../protocol/index.ts'

const ROOT = new URL('../..', import.meta.url).pathname
const PRESS_EVERY_MS = 250

export interface RenderFigures {
  /** ms of main-thread CPU per live update. */
  cpuPerUpdateMs: number
  /** ms from navigation to the table showing every officer. */
  firstRenderMs: number
  updates: number
}

export interface RenderBench {
  measure(variant: { liveJs?: string }, updates: number): Promise<RenderFigures>
  stop(): Promise<void>
}

/** live.js as it was at `commit` (for the "before" figures), or null when git cannot say. */
export function liveJsAt(commit: string): string | null {
  try {
    return execFileSync('git', ['show', `${commit}:gateway/http/public/live.js`], { cwd: ROOT, encoding: 'utf8' })
  } catch {
    return null
  }
}

export async function startRenderBench(counters: number): Promise<RenderBench> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chamdiem-bench-render-'))
  const office = largeOffice(counters)
  const config = resolveConfig(
    {
      dataDir,
      mqtt: { host: '127.0.0.1', port: 0, wsPort: null },
      http: { host: '127.0.0.1', port: 0 },
      ingest: { cooldownMs: 0, burst: { presses: 1_000_000, windowMs: 1 } },
      registry: office,
    },
    '(bench)',
    {},
  )
  const gw = new Gateway({ config, log: pino({ level: 'silent' }), readClockSync: async () => ({ synchronised: true, source: 'chrony' }) })
  addStandardParts(gw, {})
  await gw.start()
  const base = `http://127.0.0.1:${gw.http!.port}`
  // An admin of its own: the first admin's one-time password leads to the password page.
  const admin = { username: 'bench', password: 'bench-password-0123456789' }
  await new Accounts(gw.db).create({ ...admin, role: 'admin', officeId: null })
  const { LD_PRELOAD: _p, FAKETIME: _f, ...env } = process.env
  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    env,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  const boxes: MqttClient[] = []
  for (let i = 1; i <= counters; i++) {
    boxes.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: `box-${i}`, username: `box-${i}`, password: SECRET(`box-${i}`), reconnectPeriod: 0 }))
  }
  let seq = 0
  const press = (i: number) => boxes[i % boxes.length].publishAsync(pressTopic(`box-${(i % boxes.length) + 1}`), JSON.stringify({ seq: ++seq, boot: 'render', rating: (['positive', 'neutral', 'negative'] as const)[i % 3], ageMs: 0 }), { qos: 1 })

  let signedIn = false
  async function open(liveJs: string | undefined): Promise<{ page: Page; firstRenderMs: number }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' })
    const page = await context.newPage()
    if (liveJs) await page.route('**/static/live.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: liveJs }))
    await page.goto(base + '/login')
    await page.fill('#username', admin.username)
    await page.fill('#password', admin.password)
    await page.click('#login-button')
    await page.waitForURL(/\/live$/)
    await page.waitForSelector('#live-officers')
    if (!signedIn) {
      // Every counter staffed, as at a busy hour (the page then shows 50 named rows and 50 cards).
      await page.evaluate(async (n) => {
        const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('cd_csrf='))!.slice(8))
        for (let i = 1; i <= n; i++) await fetch('/api/duty/sign-in', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ officer: `cb${i}`, counter: `q${i}` }) })
      }, counters)
      signedIn = true
    }
    // First render: a fresh load of the page, until the table holds a row per officer.
    await page.addInitScript((n) => {
      const w = window as unknown as { firstRender?: number }
      new MutationObserver((_, obs) => {
        if (document.querySelectorAll('#live-officers tbody tr').length >= n && document.querySelectorAll('.counter').length >= n) {
          w.firstRender = performance.now()
          obs.disconnect()
        }
      }).observe(document, { childList: true, subtree: true })
    }, counters)
    await page.reload()
    await page.waitForFunction(() => (window as unknown as { firstRender?: number }).firstRender !== undefined, null, { timeout: 30_000 })
    const firstRenderMs = await page.evaluate(() => (window as unknown as { firstRender: number }).firstRender)
    return { page, firstRenderMs }
  }

  return {
    async measure(variant, updates) {
      const { page, firstRenderMs } = await open(variant.liveJs)
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
      const taskMs = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000
      await page.waitForTimeout(1000)
      const windowMs = updates * PRESS_EVERY_MS
      const idle0 = await taskMs()
      await page.waitForTimeout(windowMs)
      const idle = (await taskMs()) - idle0
      const busy0 = await taskMs()
      for (let i = 0; i < updates; i++) {
        await Promise.all([press(i), new Promise((r) => setTimeout(r, PRESS_EVERY_MS))])
      }
      // The last batch and its frame.
      await page.waitForTimeout(300)
      const busy = (await taskMs()) - busy0
      await page.context().close()
      return { cpuPerUpdateMs: Math.max(0, busy - idle * ((windowMs + 300) / windowMs)) / updates, firstRenderMs, updates }
    },
    async stop() {
      await Promise.all(boxes.map((b) => b.endAsync(true).catch(() => undefined)))
      await browser.close()
      await gw.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
