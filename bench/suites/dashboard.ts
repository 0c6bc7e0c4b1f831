/**
 * Benchmark 2: press -> live dashboard event latency. The generator stamps each press when
 * it writes the PUBLISH. Two receipts are stamped: the gateway's bus `press` event (in the
 * gateway process, once the press is committed) and the `presses` event of the dashboard's
 * server-sent event stream (`/api/live/events`, read over HTTP by this process, as a browser
 * would). All stamps are epoch ms from `performance.timeOrigin + now()` on one machine, so
 * they compare across processes.
 *
 * Realistic: 2,000 boxes each pressing once a minute, sped up (see SPEEDUP) — the rate of
 * a large office at its busiest. Saturation: the ingest benchmark's closed loop (100 boxes
 * × 10 in flight), where latency is queueing behind the broker.
 */
import { BenchChild } from '../lib/child.ts'
import { LiveStream } from '../lib/sse.ts'
import { credentials } from '../lib/office.ts'
import { load1 } from '../lib/machine.ts'
import { goal, round, row } from '../lib/rows.ts'
import { latencySummary } from '../lib/stats.ts'
import { TARGETS } from '../lib/targets.ts'
import type { BenchOptions, Suite, SuiteResult } from '../lib/types.ts'
import type { LoadJob, LoadResult } from '../load/generator.ts'

const BOXES = 2000
/** One press per box per minute, 10× faster: 333 presses/s from 2,000 connections. */
const SPEEDUP = 10

function sizes(quick: boolean) {
  return quick
    ? { realisticPerBox: 1, saturationPerBox: 50, timeLimitMs: 60_000 }
    : { realisticPerBox: 4, saturationPerBox: 500, timeLimitMs: 180_000 }
}

export const dashboard: Suite = {
  id: 'dashboard',
  title: `Press → live dashboard event latency (2,000 boxes, 1 press/box/min ×${SPEEDUP}; and saturation)`,
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const missing = TARGETS.gateway.unavailable()
    const na = (note: string): SuiteResult => ({
      rows: [],
      goals: [goal('dashboard', 'press → dashboard p99 at realistic load', Number.NaN, 'ms', '≤ 250', (v) => v <= 250, note)],
      notes: [note],
      runs: [],
    })
    if (missing) return na(missing)
    const { realisticPerBox, saturationPerBox, timeLimitMs } = sizes(opts.quick)
    const boxes = credentials(BOXES)
    const gen = await BenchChild.start('generator', new URL('../load/generator.ts', import.meta.url))
    const runs: Array<Record<string, unknown>> = []
    const m = new Map<string, number[]>()
    const add = (k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v])
    const notes: string[] = []
    try {
      for (let r = 1; r <= opts.runs; r++) {
        const gw = await TARGETS.gateway.start({ boxes: BOXES, http: true })
        let stream: LiveStream | null = null
        try {
          const child = gw.child!
          if (child.ready.httpPort && child.ready.cookie) {
            stream = new LiveStream(`http://127.0.0.1:${child.ready.httpPort}/api/live/events`, child.ready.cookie)
            await stream.start()
          } else if (r === 1) notes.push('the dashboard HTTP app did not start: SSE latency not measured')
          const measure = async (kind: string, job: LoadJob) => {
            const load = load1()
            await child.request('probe')
            stream?.reset()
            const res = await gen.request<LoadResult>('run', { job }, timeLimitMs + 60_000)
            // The last events follow the last PUBACK within a commit, and the stream batches
            // presses every 100 ms: give them a moment.
            await new Promise((res) => setTimeout(res, 500))
            const events = await child.request<Array<[string, number, number]>>('probed')
            const live = stream?.take() ?? []
            const sentAt = new Map<string, number>()
            for (const [i, seq, t] of res.sends ?? []) sentAt.set(`${boxes[i].id}/${seq}`, t)
            const match = (list: Array<[string, number, number]>) => {
              const lat: number[] = []
              for (const [boxId, seq, t] of list) {
                const s = sentAt.get(`${boxId}/${seq}`)
                if (s !== undefined) lat.push((t - s) * 1000)
              }
              return lat
            }
            const busLat = match(events)
            const sseLat = match(live.map((e) => [e.boxId, e.nth, e.at]))
            const bus = latencySummary(busLat)
            const sse = latencySummary(sseLat)
            if (busLat.length !== res.acked) notes.push(`run ${r} ${kind}: ${busLat.length} bus events matched for ${res.acked} acknowledged presses`)
            if (stream && sseLat.length !== res.acked) notes.push(`run ${r} ${kind}: ${sseLat.length} SSE presses matched for ${res.acked} acknowledged presses`)
            add(`${kind}/bus/p50`, bus.p50)
            add(`${kind}/bus/p99`, bus.p99)
            if (stream) {
              add(`${kind}/sse/p50`, sse.p50)
              add(`${kind}/sse/p99`, sse.p99)
            }
            runs.push({ round: r, kind, loadavg1: load, presses: res.acked, rate: round(res.rate), busEventLatencyMs: bus, sseLatencyMs: stream ? sse : null, pubackLatencyMs: res.latencyMs })
            opts.log(
              `  run ${r} ${kind.padEnd(11)} ${res.acked} presses at ${Math.round(res.rate)}/s  bus event p50 ${bus.p50.toFixed(1)} / p99 ${bus.p99.toFixed(1)} ms` +
                (stream ? `  SSE p50 ${sse.p50.toFixed(1)} / p99 ${sse.p99.toFixed(1)} ms` : '') +
                `  load ${load}`,
            )
            return { res }
          }
          const boot = `d${r}x${Date.now().toString(36)}`
          const real = await measure('realistic', {
            port: gw.port,
            boxes,
            window: 10,
            perBox: realisticPerBox,
            totalRate: (BOXES / 60) * SPEEDUP,
            boot: `${boot}r`,
            timeLimitMs,
            recordSends: true,
          })
          void real
          const sat = await measure('saturation', { port: gw.port, boxes: boxes.slice(0, 100), window: 10, perBox: saturationPerBox, boot: `${boot}s`, timeLimitMs, recordSends: true })
          add('saturation/rate', sat.res.rate)
        } finally {
          await stream?.stop()
          await gw.stop()
        }
      }
    } finally {
      await gen.stop()
    }
    const realistic = `realistic (${Math.round((BOXES / 60) * SPEEDUP)} presses/s)`
    const rows = []
    for (const [kind, label] of [['realistic', realistic], ['saturation', 'saturation (1,000 in flight)']]) {
      for (const [via, vialabel] of [['sse', 'SSE /api/live/events'], ['bus', 'bus press event']]) {
        for (const p of ['p50', 'p99']) {
          const v = m.get(`${kind}/${via}/${p}`)
          if (v) rows.push(row('dashboard', `${vialabel} ${p}, ${label}`, 'ms', v))
        }
      }
    }
    rows.push(row('dashboard', 'throughput at saturation', 'presses/s', m.get('saturation/rate') ?? []))
    const viaSse = m.has('realistic/sse/p99')
    const p99 = rows.find((x) => x.name === `${viaSse ? 'SSE /api/live/events' : 'bus press event'} p99, ${realistic}`)
    return {
      rows,
      goals: [goal('dashboard', `press → dashboard p99 at realistic load (${viaSse ? 'SSE' : 'bus event, no SSE hop'})`, p99?.median ?? Number.NaN, 'ms', '≤ 250', (v) => v <= 250)],
      notes,
      runs,
    }
  },
}

/** The commit whose live.js rebuilt the whole view on every update (issue 16's "before"). */
const REBUILD_COMMIT = 'adeb3fb'
const COUNTERS = 50

/**
 * Benchmark 2b: the live page in Chromium at 50 counters: main-thread CPU per live update
 * (goal ≤ 16 ms, one frame) and first render, today's page against the whole-view rebuild of
 * REBUILD_COMMIT (bench/lib/live-render.ts says how it is measured).
 */
export const dashboardRender: Suite = {
  id: 'dashboard-render',
  title: `Live page in Chromium at ${COUNTERS} counters: CPU per update and first render (before: whole-view rebuild; after: lit-html)`,
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const { startRenderBench, liveJsAt } = await import('../lib/live-render.ts')
    const updates = opts.quick ? 20 : 60
    const before = liveJsAt(REBUILD_COMMIT)
    const notes: string[] = before ? [] : [`git show ${REBUILD_COMMIT}:gateway/http/public/live.js failed: "before" not measured`]
    const m = new Map<string, number[]>()
    const add = (k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v])
    const runs: Array<Record<string, unknown>> = []
    const bench = await startRenderBench(COUNTERS)
    try {
      for (let r = 1; r <= opts.runs; r++) {
        for (const [variant, liveJs] of [['before', before], ['after', undefined]] as const) {
          if (variant === 'before' && !liveJs) continue
          const f = await bench.measure({ liveJs: liveJs ?? undefined }, updates)
          add(`${variant}/cpu`, f.cpuPerUpdateMs)
          add(`${variant}/first`, f.firstRenderMs)
          runs.push({ round: r, variant, ...f })
          opts.log(`  run ${r} ${variant.padEnd(6)} CPU per update ${f.cpuPerUpdateMs.toFixed(1)} ms over ${f.updates} updates, first render ${f.firstRenderMs.toFixed(0)} ms`)
        }
      }
    } finally {
      await bench.stop()
    }
    const label = { before: `before (${REBUILD_COMMIT}, rebuild)`, after: 'after (lit-html)' }
    const rows = []
    for (const v of ['before', 'after'] as const) {
      if (m.has(`${v}/cpu`)) rows.push(row('dashboard-render', `main-thread CPU per live update, ${label[v]}`, 'ms', m.get(`${v}/cpu`)!))
      if (m.has(`${v}/first`)) rows.push(row('dashboard-render', `first render, ${label[v]}`, 'ms', m.get(`${v}/first`)!))
    }
    const after = rows.find((x) => x.name.startsWith('main-thread CPU per live update, after'))
    return {
      rows,
      goals: [goal('dashboard-render', `CPU per live update at ${COUNTERS} counters`, after?.median ?? Number.NaN, 'ms', '≤ 16', (v) => v <= 16)],
      notes,
      runs,
    }
  },
}
