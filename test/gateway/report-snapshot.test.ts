/**
 * Issue 17 item 8: a report is one consistent snapshot. `chamdiem report` (another process,
 * reading the same SQLite file) and the HTTP API run again and again while independent MQTT
 * clients stream presses into a real gateway as fast as it acknowledges them; every report
 * must add up (groups = total, for every figure), and at the end the report's totals equal
 * the presses stored, counted with the sqlite3 command, and the presses acknowledged.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { pressTopic, RATINGS } from '../../protocol/index.ts'
import { localTime } from '../../gateway/local-time.ts'
import { startTestApp } from '../http/app-helper.ts'
import { SECRET, press } from '../helpers/office.ts'
import { chamdiem } from '../helpers/cli.ts'

interface Figures {
  positive: number
  neutral: number
  negative: number
  total: number
  repeats: number
  bursts: number
}

function expectAddsUp(r: { rows: Figures[]; totals: Figures }, what: string): void {
  for (const k of ['positive', 'neutral', 'negative', 'total', 'repeats', 'bursts'] as const) {
    expect(r.rows.reduce((s, x) => s + x[k], 0), `${what}: ${k}`).toBe(r.totals[k])
  }
}

describe('reports under ingest', () => {
  it('every report from the CLI and the API adds up while presses stream in; the totals equal the stored presses', async () => {
    const t = await startTestApp()
    const admin = await t.login('admin')
    const url = `mqtt://127.0.0.1:${t.gw.mqttPort}`
    const tz = t.config.timezone
    // The local days around now (the presses are stamped by the gateway's real clock).
    const from = localTime(Date.now() - 86_400_000, tz).date
    const to = localTime(Date.now() + 86_400_000, tz).date

    let streaming = true
    async function stream(boxId: string): Promise<number> {
      const c = await mqtt.connectAsync(url, { username: boxId, password: SECRET(boxId), clientId: boxId, reconnectPeriod: 0 })
      let seq = 0
      let acked = 0
      const inflight = new Set<Promise<void>>()
      while (streaming) {
        const s = ++seq
        const p: Promise<void> = c.publishAsync(pressTopic(boxId), press(s, RATINGS[s % RATINGS.length]), { qos: 1 }).then(() => {
          acked++
          inflight.delete(p)
        })
        inflight.add(p)
        if (inflight.size >= 50) await Promise.race(inflight)
      }
      await Promise.all(inflight)
      await c.endAsync()
      return acked
    }
    const streams = ['box-1', 'box-2', 'box-x'].map(stream)

    const cli = async () => {
      const r = await chamdiem(['report', '--data-dir', t.config.dataDir, '--from', from, '--to', to, '--by', 'officer', '--format', 'json'])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      return JSON.parse(r.stdout) as { rows: Figures[]; totals: Figures }
    }
    let cliRuns = 0
    let httpRuns = 0
    let lastTotal = -1
    let cliDone = false
    const cliLoop = (async () => {
      try {
        for (let i = 0; i < 4; i++) {
          const r = await cli()
          expectAddsUp(r, `CLI run ${i}`)
          // Presses keep arriving between runs: each report sees more than the one before.
          expect(r.totals.total + r.totals.repeats + r.totals.bursts).toBeGreaterThan(lastTotal)
          lastTotal = r.totals.total + r.totals.repeats + r.totals.bursts
          cliRuns++
        }
      } finally {
        cliDone = true
      }
    })()
    const httpLoop = (async () => {
      while (!cliDone) {
        const res = await admin.request('GET', `/api/reports?from=${from}&to=${to}&by=counter`)
        expect(res.statusCode).toBe(200)
        expectAddsUp(res.json(), `HTTP run ${httpRuns}`)
        httpRuns++
        await new Promise((r) => setTimeout(r, 50))
      }
    })()
    try {
      await Promise.all([cliLoop, httpLoop])
    } finally {
      streaming = false
    }
    const acked = (await Promise.all(streams)).reduce((a, b) => a + b, 0)
    expect([cliRuns, httpRuns > 4]).toEqual([4, true])
    expect(lastTotal).toBeGreaterThan(0)

    // At rest: the report, the stored rows (counted by sqlite3 itself) and the acknowledgements agree.
    const final = await cli()
    expectAddsUp(final, 'final')
    const stored = Number(execFileSync('sqlite3', [join(t.config.dataDir, 'chamdiem.db'), 'SELECT count(*) FROM presses'], { encoding: 'utf8' }).trim())
    expect(final.totals.total + final.totals.repeats + final.totals.bursts).toBe(stored)
    expect(stored).toBe(acked)
  }, 300_000)
})
