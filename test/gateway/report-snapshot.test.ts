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

    // History already stored, so that each report's queries take a while (as on a site with
    // months of presses): a commit of the streaming presses lands between two reads of a report
    // that is not one snapshot.
    const SEEDED = 100_000
    const seed = t.db.prepare(
      "INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES ('box-3', 'old', ?, ?, 0, ?, 0, ?, 'hcc', 'q1', ?)",
    )
    const hourAgo = Date.now() - 3_600_000
    t.db.transaction(() => {
      for (let i = 0; i < SEEDED; i++) seed.run(i, RATINGS[i % RATINGS.length], hourAgo, hourAgo, ['an', 'binh', 'cuong'][i % 3])
    })()

    let streaming = true
    // Every client connected before the reports start, so none is left out of the stream.
    const boxes = ['box-1', 'box-2', 'box-x']
    const clients = await Promise.all(boxes.map((boxId) => mqtt.connectAsync(url, { username: boxId, password: SECRET(boxId), clientId: boxId, reconnectPeriod: 0 })))
    async function stream(boxId: string, c: mqtt.MqttClient): Promise<number> {
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
    const streams = boxes.map((boxId, i) => stream(boxId, clients[i]))

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
        await new Promise((r) => setTimeout(r, 200))
      }
    })()
    let acked = 0
    try {
      await Promise.all([cliLoop, httpLoop])
    } finally {
      streaming = false
      // Every client has its acknowledgements before the gateway is stopped, pass or fail.
      for (const s of await Promise.allSettled(streams)) {
        if (s.status === 'rejected') throw s.reason
        acked += s.value
      }
    }
    expect([cliRuns, httpRuns > 4, acked > 0]).toEqual([4, true, true])
    expect(lastTotal).toBeGreaterThan(0)

    // At rest: the report, the stored rows (counted by sqlite3 itself) and the acknowledgements agree.
    const final = await cli()
    expectAddsUp(final, 'final')
    const stored = Number(execFileSync('sqlite3', [join(t.config.dataDir, 'chamdiem.db'), 'SELECT count(*) FROM presses'], { encoding: 'utf8' }).trim())
    expect(final.totals.total + final.totals.repeats + final.totals.bursts).toBe(stored)
    expect(stored).toBe(SEEDED + acked)
  }, 300_000)
})
