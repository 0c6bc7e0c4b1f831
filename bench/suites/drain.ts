/**
 * Benchmark 4: outbox drain. A backlog of presses in SQLite is shipped by the real forwarder
 * to InfluxDB 1.6.7 (v1 API) and to VictoriaMetrics (v2 API), each a fresh server started by
 * test/helpers/servers/. The baseline is the server's own ingest: the same points as
 * pre-built line protocol, posted directly in batches of 5,000, one request at a time (as
 * the forwarder does), and with two requests in flight (the headroom a pipelined forwarder
 * could use). Alternated per round: raw, forwarder, raw ×2 into v1, then the same into v2.
 */
import { pressLines, type PressRow } from '../../gateway/influx/line-protocol.ts'
import { startInfluxDb1 } from '../../test/helpers/servers/influxdb.ts'
import { startVictoriaMetrics } from '../../test/helpers/servers/victoria-metrics.ts'
import { backlogRows } from '../lib/backlog.ts'
import { BenchChild } from '../lib/child.ts'
import { load1 } from '../lib/machine.ts'
import { hotSpots } from '../lib/profile.ts'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { goal, round, row } from '../lib/rows.ts'
import type { BenchOptions, Suite, SuiteResult } from '../lib/types.ts'

const BATCH = 5000

interface Server {
  url: string
  dispose(): Promise<void>
}

interface Destination {
  key: string
  label: string
  start(): Promise<Server>
  rawUrl(base: string): string
  influx(base: string): Record<string, unknown>
}

const DESTINATIONS: Destination[] = [
  {
    key: 'influx1',
    label: 'InfluxDB 1.6.7 (v1)',
    start: () => startInfluxDb1({ database: 'chamdiem' }),
    rawUrl: (base) => `${base}/write?db=chamdiem&precision=ns`,
    influx: (url) => ({ api: 'v1', url, database: 'chamdiem', batchSize: BATCH }),
  },
  {
    key: 'vm',
    label: 'VictoriaMetrics (v2)',
    start: () => startVictoriaMetrics(),
    rawUrl: (base) => `${base}/api/v2/write?org=chamdiem&bucket=chamdiem&precision=ns`,
    influx: (url) => ({ api: 'v2', url, org: 'chamdiem', bucket: 'chamdiem', token: 'bench', batchSize: BATCH }),
  },
]

/** Posts pre-built batches, `inFlight` requests at a time; returns points per second. */
async function rawIngest(url: string, batches: string[], points: number, timeLimitMs: number, inFlight = 1): Promise<number> {
  const t0 = performance.now()
  let next = 0
  const worker = async () => {
    while (next < batches.length) {
      const body = batches[next++]
      if (performance.now() - t0 > timeLimitMs) throw new Error(`raw ingest took longer than ${timeLimitMs} ms`)
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' } })
      const text = await res.text()
      if (!res.ok) throw new Error(`raw write: HTTP ${res.status} ${text.slice(0, 200)}`)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return points / ((performance.now() - t0) / 1000)
}

export const drain: Suite = {
  id: 'drain',
  title: 'Outbox drain: points/s from a backlog of presses to InfluxDB 1.6.7 (v1) and VictoriaMetrics (v2)',
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const presses = opts.quick ? 50_000 : 500_000
    const timeLimitMs = opts.quick ? 60_000 : 300_000
    const rows: PressRow[] = []
    let id = 0
    for (const [boxId, seq, rating, timeMs, officeId, counterId, officerId] of backlogRows(presses)) {
      rows.push([++id, boxId, seq, rating, 0, timeMs, officeId, counterId, officerId])
    }
    const batches: string[] = []
    for (let i = 0; i < rows.length; i += BATCH) batches.push(pressLines(rows.slice(i, i + BATCH)).join('\n'))
    rows.length = 0

    const samples = new Map<string, number[]>()
    const add = (k: string, v: number) => samples.set(k, [...(samples.get(k) ?? []), v])
    const runs: Array<Record<string, unknown>> = []
    let profileNote: string | null = null
    const drainer = await BenchChild.start('drain', new URL('../targets/drain.ts', import.meta.url), [JSON.stringify({ presses })], { readyTimeoutMs: 300_000 })
    try {
      for (let r = 1; r <= opts.runs; r++) {
        for (const d of DESTINATIONS) {
          for (const kind of ['raw', 'forwarder', 'raw2'] as const) {
            const server = await d.start()
            try {
              const load = load1()
              let rate: number
              if (kind === 'raw') rate = await rawIngest(d.rawUrl(server.url), batches, presses, timeLimitMs)
              else if (kind === 'raw2') rate = await rawIngest(d.rawUrl(server.url), batches, presses, timeLimitMs, 2)
              else {
                const res = await drainer.request<{ points: number; ms: number }>('drain', { influx: d.influx(server.url), timeoutMs: timeLimitMs }, timeLimitMs + 30_000)
                rate = res.points / (res.ms / 1000)
              }
              add(`${kind}@${d.key}`, rate)
              runs.push({ round: r, destination: d.key, kind, points: presses, pointsPerSecond: round(rate), loadavg1: load })
              opts.log(`  run ${r} ${d.label.padEnd(22)} ${kind.padEnd(9)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} points/s  load ${load}`)
            } finally {
              await server.dispose()
            }
          }
        }
        for (const d of DESTINATIONS) {
          const raw = samples.get(`raw@${d.key}`)?.at(-1)
          const fwd = samples.get(`forwarder@${d.key}`)?.at(-1)
          if (raw && fwd) add(`ratio@${d.key}`, (fwd / raw) * 100)
        }
      }
      if (opts.profile) {
        // One more drain into InfluxDB under the CPU profiler, outside the measured runs.
        const dir = join(opts.resultsDir, 'profiles')
        mkdirSync(dir, { recursive: true })
        const file = join(dir, `drain-${Date.now()}.cpuprofile`)
        const server = await DESTINATIONS[0].start()
        try {
          await drainer.request('drain', { influx: DESTINATIONS[0].influx(server.url), timeoutMs: timeLimitMs, profile: file }, timeLimitMs + 30_000)
        } finally {
          await server.dispose()
        }
        const spots = hotSpots(file, 20)
        opts.log(`  forwarder CPU profile: ${file}`)
        for (const s of spots) opts.log(`    ${s.selfPct.toFixed(1).padStart(5)}%  ${s.fn}  ${s.where}`)
        profileNote = `forwarder CPU profile ${file}; top self time: ` + spots.slice(0, 10).map((s) => `${s.fn} (${s.where}) ${s.selfPct}%`).join('; ')
      }
    } finally {
      await drainer.stop()
    }
    const out = []
    for (const d of DESTINATIONS) {
      out.push(row('drain', `raw server ingest, ${d.label}, batches of ${BATCH}`, 'points/s', samples.get(`raw@${d.key}`) ?? []))
      out.push(row('drain', `forwarder drain, ${d.label}`, 'points/s', samples.get(`forwarder@${d.key}`) ?? []))
      out.push(row('drain', `forwarder / raw, ${d.label}`, '%', samples.get(`ratio@${d.key}`) ?? []))
      out.push(row('drain', `raw server ingest, ${d.label}, 2 requests in flight`, 'points/s', samples.get(`raw2@${d.key}`) ?? []))
    }
    const influxDrain = out.find((x) => x.name === `forwarder drain, ${DESTINATIONS[0].label}`)!
    return {
      rows: out,
      goals: [goal('drain', 'drain into InfluxDB 1.6.7', influxDrain.median, 'points/s', '≥ 200,000', (v) => v >= 200_000)],
      notes: [`backlog of ${presses.toLocaleString('en-US')} presses; each run writes into a fresh server`, ...(profileNote ? [profileNote] : [])],
      runs,
    }
  },
}
