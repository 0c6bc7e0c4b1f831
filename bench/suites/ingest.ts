/**
 * Benchmark 1: QoS 1 ingest. 100 boxes each keep 10 presses unacknowledged (1,000 in
 * flight) until ~200k presses are acknowledged; throughput and publish -> PUBACK latency for
 * the generator's ceiling, (a) bare Aedes, (b) Mosquitto, (c) the gateway and (d) the peer an
 * IT person could assemble (Mosquitto -> Node-RED -> SQLite, lib/node-red.ts), alternated over
 * repeated runs (A B C D A B C D ...), each system started fresh for each run and warmed up
 * before it is measured. The peer acknowledges before it stores, so its rate of rows reaching
 * the file is measured too, on fewer presses (one INSERT per press is slow). The gateway runs
 * twice in each round: presses sent as pressed just now (a flood, by the gateway's human rate)
 * and presses dated as a queue draining after an outage (QUEUED).
 *
 * Then the durability column: each system killed with SIGKILL mid-run, acknowledged presses
 * looked up in its store (lib/durability.ts).
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { BenchChild } from '../lib/child.ts'
import { credentials } from '../lib/office.ts'
import { load1 } from '../lib/machine.ts'
import { crashRun, describe, type DurabilityResult } from '../lib/durability.ts'
import { cpuSeconds } from '../lib/proc.ts'
import { perfHotSpots, perfProfiled } from '../lib/profile.ts'
import { goal, round, row } from '../lib/rows.ts'
import { TARGETS, type Target } from '../lib/targets.ts'
import type { BenchOptions, Suite, SuiteResult } from '../lib/types.ts'
import type { LoadJob, LoadResult } from '../load/generator.ts'

const CLIENTS = 100
const WINDOW = 10
/**
 * The gateway once more on the same load, with presses dated as a box's queue after an outage
 * (each box's presses 30 s apart in the past): every press takes the path of a human press
 * (counted, attributed at its own time), where presses sent as pressed just now, hundreds a
 * second per box, are judged beyond a human rate (stored as bursts, raising burst alerts).
 */
const QUEUED = { key: 'gateway-queued', label: '(c) gateway, queued presses', spacingMs: 30_000 }

/** A system under test, and how the load differs for it (the queued presses). */
type Run = Target & { queuedSpacingMs?: number }

export function ingestSizes(quick: boolean) {
  return quick
    ? { perBox: 100, warmPerBox: 20, timeLimitMs: 30_000, peerPerBox: 20, peerDrainMs: 20_000, crashAfterMs: 1500 }
    : { perBox: 2000, warmPerBox: 200, timeLimitMs: 120_000, peerPerBox: 100, peerDrainMs: 60_000, crashAfterMs: 3000 }
}

export const ingest: Suite = {
  id: 'ingest',
  title: 'QoS 1 ingest: throughput and publish→PUBACK latency (100 clients × 10 in flight)',
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const { perBox, warmPerBox, timeLimitMs, peerPerBox, peerDrainMs, crashAfterMs } = ingestSizes(opts.quick)
    const boxes = credentials(CLIENTS)
    const notes: string[] = []
    const targets: Run[] = []
    for (const key of ['null', 'aedes', 'mosquitto', 'gateway', QUEUED.key, 'nodered']) {
      const t: Run = key === QUEUED.key ? { ...TARGETS.gateway, key, label: QUEUED.label, queuedSpacingMs: QUEUED.spacingMs } : TARGETS[key]
      const why = key === 'nodered' && !opts.peer ? 'left out with --no-peer' : t.unavailable()
      if (why) notes.push(`${t.label}: skipped (${why})`)
      else targets.push(t)
    }
    const gen = await BenchChild.start('generator', new URL('../load/generator.ts', import.meta.url))
    const runs: Array<Record<string, unknown>> = []
    const per = new Map<string, { rate: number[]; p50: number[]; p99: number[]; cpuUs: number[]; genUs: number[]; storedRate: number[] }>()
    const durability: DurabilityResult[] = []
    const ratio: number[] = []
    const ratioQueued: number[] = []
    /** The load of one run; `queuedSpacingMs` dates each box's presses as a queue (QUEUED), else pressed just now. */
    const job = (boot: string, n: number, queuedSpacingMs?: number): LoadJob => ({ port: 0, boxes, window: WINDOW, perBox: n, boot, timeLimitMs, queuedSpacingMs })
    try {
      for (let r = 1; r <= opts.runs; r++) {
        const rateThisRound = new Map<string, number>()
        for (const t of targets) {
          const sys = await t.start({ boxes: CLIENTS, log: opts.log })
          const n = sys.acksBeforeStore ? peerPerBox : perBox
          try {
            // The peer warms up on a few presses and writes them before it is measured.
            const warmBoot = `w${r}x${Date.now().toString(36)}`
            const warm = await gen.request<LoadResult>('run', { job: { ...job(warmBoot, sys.acksBeforeStore ? 2 : warmPerBox, t.queuedSpacingMs), port: sys.port } }, timeLimitMs + 60_000)
            if (sys.acksBeforeStore) await rateOfStoring(sys.stored!, warmBoot, warm.acked, Date.now(), peerDrainMs)
            const load = load1()
            const commits0 = await sys.commits?.()
            const cpu0 = await cpuSeconds(sys.pid)
            const genCpu0 = await cpuSeconds(gen.pid)
            const boot = `m${r}x${Date.now().toString(36)}`
            const t0 = Date.now()
            const res = await gen.request<LoadResult>('run', { job: { ...job(boot, n, t.queuedSpacingMs), port: sys.port } }, timeLimitMs + 60_000)
            const storedRate = sys.acksBeforeStore ? await rateOfStoring(sys.stored!, boot, res.acked, t0, peerDrainMs) : undefined
            const cpu = (await cpuSeconds(sys.pid)) - cpu0
            const genCpu = (await cpuSeconds(gen.pid)) - genCpu0
            const stored = sys.count && !sys.acksBeforeStore ? await sys.count() : undefined
            const commits1 = await sys.commits?.()
            const commits = commits0 && commits1 ? commits1.commits - commits0.commits : undefined
            const avgCommit = commits ? (commits1!.accepted - commits0!.accepted) / commits : undefined
            const cpuUsPerPress = res.acked ? (cpu * 1e6) / res.acked : Number.NaN
            const genUsPerPress = res.acked ? (genCpu * 1e6) / res.acked : Number.NaN
            const ok = !res.timedOut && res.acked === CLIENTS * n
            if (!ok) notes.push(`run ${r} ${t.label}: ${res.acked} of ${CLIENTS * n} acknowledged (connected ${res.connected}, refused ${res.refused}, closed ${res.closedEarly}${res.timedOut ? ', timed out' : ''})`)
            if (stored !== undefined && stored !== CLIENTS * (perBox + warmPerBox)) {
              notes.push(`run ${r} ${t.label}: ${stored} presses stored, ${CLIENTS * (perBox + warmPerBox)} expected`)
            }
            const m = per.get(t.key) ?? { rate: [], p50: [], p99: [], cpuUs: [], genUs: [], storedRate: [] }
            if (storedRate) {
              m.storedRate.push(storedRate.rate)
              if (storedRate.stored < res.acked) notes.push(`run ${r} ${t.label}: ${storedRate.stored} of ${res.acked} acknowledged presses in its SQLite file after ${(storedRate.ms / 1000).toFixed(0)} s`)
            }
            m.rate.push(ok ? res.rate : Number.NaN)
            m.p50.push(ok ? res.latencyMs.p50 : Number.NaN)
            m.p99.push(ok ? res.latencyMs.p99 : Number.NaN)
            m.cpuUs.push(ok ? cpuUsPerPress : Number.NaN)
            m.genUs.push(ok ? genUsPerPress : Number.NaN)
            per.set(t.key, m)
            rateThisRound.set(t.key, ok ? res.rate : Number.NaN)
            runs.push({ round: r, system: t.key, loadavg1: load, acked: res.acked, elapsedMs: round(res.elapsedMs), rate: round(res.rate), latencyMs: res.latencyMs, brokerCpuUsPerPress: round(cpuUsPerPress, 2), generatorCpuUsPerPress: round(genUsPerPress, 2), brokerCpuShare: round(cpu / (res.elapsedMs / 1000), 2), commits, pressesPerCommit: avgCommit === undefined ? undefined : round(avgCommit), stored, connectMs: round(res.connectMs) })
            if (storedRate) opts.log(`  run ${r} ${t.label.padEnd(34)} rows stored ${Math.round(storedRate.rate).toString().padStart(7)}/s (${storedRate.stored} of ${res.acked} in ${(storedRate.ms / 1000).toFixed(1)} s)`)
            opts.log(`  run ${r} ${t.label.padEnd(34)} ${Math.round(res.rate).toString().padStart(7)}/s  p50 ${res.latencyMs.p50.toFixed(1)} ms  p99 ${res.latencyMs.p99.toFixed(1)} ms  broker CPU ${cpuUsPerPress.toFixed(1)} µs/press  generator CPU ${genUsPerPress.toFixed(1)} µs/press  broker busy ${Math.round((cpu / (res.elapsedMs / 1000)) * 100)}% of a core${avgCommit ? `  ${commits} commits of ${avgCommit.toFixed(0)} presses` : ''}  load ${load}`)
          } finally {
            await sys.stop()
          }
        }
        const a = rateThisRound.get('aedes')
        const c = rateThisRound.get('gateway')
        const q = rateThisRound.get(QUEUED.key)
        if (a !== undefined && c !== undefined) ratio.push((c / a) * 100)
        if (a !== undefined && q !== undefined) ratioQueued.push((q / a) * 100)
      }
      for (const t of targets) {
        // The queued presses are the same system: one kill -9 of the gateway says it.
        if (t.key === 'null' || t.key === QUEUED.key) continue
        const d = await crashRun(t, gen, job(`k${Date.now().toString(36)}`, perBox), crashAfterMs, CLIENTS, opts.log)
        durability.push(d)
        opts.log(`  durability ${describe(d, 40)}`)
      }
      if (opts.profile && targets.some((t) => t.key === 'gateway')) {
        notes.push(...(await profileGateway(opts, gen, job(`p${Date.now().toString(36)}`, perBox), TARGETS.gateway.label)))
        notes.push(...(await profileGateway(opts, gen, job(`q${Date.now().toString(36)}`, perBox, QUEUED.spacingMs), QUEUED.label)))
      }
    } finally {
      await gen.stop()
    }

    const rows = []
    for (const t of targets) {
      const m = per.get(t.key)
      if (!m) continue
      rows.push(row('ingest', `throughput ${t.label}`, 'presses/s', m.rate))
      rows.push(row('ingest', `PUBACK p50 ${t.label}`, 'ms', m.p50))
      rows.push(row('ingest', `PUBACK p99 ${t.label}`, 'ms', m.p99))
      rows.push(row('ingest', `broker CPU ${t.label}`, 'µs/press', m.cpuUs))
      rows.push(row('ingest', `generator CPU against ${t.label}`, 'µs/press', m.genUs))
      if (m.storedRate.length) rows.push(row('ingest', `rows stored ${t.label} (acknowledged first)`, 'presses/s', m.storedRate))
    }
    for (const d of durability) {
      if (d.lost === null) notes.push(`durability ${d.system}: no store; the ${d.acked} presses it acknowledged before kill -9 exist nowhere`)
      else {
        rows.push(row('ingest', `durability ${d.system}: acknowledged, absent after kill -9`, 'presses', [d.lost]))
        notes.push(`durability ${describe(d)}`)
      }
    }
    const gatewayLoss = durability.find((d) => d.system === TARGETS.gateway.label)
    if (ratio.length) rows.push(row('ingest', 'throughput (c)/(a), same round', '%', ratio))
    if (ratioQueued.length) rows.push(row('ingest', 'throughput (c) queued presses/(a), same round', '%', ratioQueued))
    const ratioRow = rows.find((x) => x.name.startsWith('throughput (c)/(a)'))
    const ratioQueuedRow = rows.find((x) => x.name.startsWith('throughput (c) queued presses/(a)'))
    const p99Row = rows.find((x) => x.name === `PUBACK p99 ${TARGETS.gateway.label}`)
    const p99QueuedRow = rows.find((x) => x.name === `PUBACK p99 ${QUEUED.label}`)
    const missing = TARGETS.gateway.unavailable() ?? undefined
    return {
      rows,
      goals: [
        goal('ingest', 'gateway throughput vs bare Aedes', ratioRow?.median ?? Number.NaN, '%', '≥ 70', (v) => v >= 70, missing),
        goal('ingest', 'gateway PUBACK p99 at 1,000 in flight', p99Row?.median ?? Number.NaN, 'ms', '≤ 50', (v) => v <= 50, missing),
        goal('ingest', 'gateway throughput vs bare Aedes, queued presses', ratioQueuedRow?.median ?? Number.NaN, '%', '≥ 70', (v) => v >= 70, missing),
        goal('ingest', 'gateway PUBACK p99 at 1,000 in flight, queued presses', p99QueuedRow?.median ?? Number.NaN, 'ms', '≤ 50', (v) => v <= 50, missing),
        goal('ingest', 'gateway: acknowledged presses lost to kill -9', gatewayLoss?.lost ?? Number.NaN, 'presses', '= 0', (v) => v === 0, missing),
      ],
      notes,
      runs,
    }
  },
}

/**
 * Polls the peer's store until every acknowledged press is there or the limit passes; the rate
 * is the rows counted at the last successful look over the time since the run started.
 */
async function rateOfStoring(stored: (boot: string) => Promise<Map<string, Set<number>>>, boot: string, acked: number, t0: number, limitMs: number): Promise<{ rate: number; stored: number; ms: number }> {
  let n = 0
  let at = t0
  for (;;) {
    await new Promise((r) => setTimeout(r, 500))
    try {
      let count = 0
      for (const set of (await stored(boot)).values()) count += set.size
      n = count
      at = Date.now()
    } catch (err) {
      // The flow's SQLite file is in rollback-journal mode and written one row per commit:
      // a reader finds it locked most of the time, and looks again on the next poll.
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err
    }
    if (n >= acked || Date.now() - t0 > limitMs) break
  }
  const ms = at - t0
  return { rate: ms > 0 ? n / (ms / 1000) : 0, stored: n, ms }
}

/**
 * One more run of the compiled gateway (as installed), profiled by Linux perf over the measured
 * load only (lib/profile.ts says why not V8's profiler); returns the top inclusive functions as
 * notes. Without perf, says how to get it.
 */
async function profileGateway(opts: BenchOptions, gen: BenchChild, job: LoadJob, label: string): Promise<string[]> {
  const dir = join(opts.resultsDir, 'profiles')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `gateway-ingest-${Date.now()}.perf.data`)
  const sys = await TARGETS.gatewayCompiled.start({ boxes: CLIENTS, execArgv: ['--perf-basic-prof'] })
  let profiled: string | null
  try {
    await gen.request('run', { job: { ...job, boot: `${job.boot}w`, perBox: Math.ceil(job.perBox / 10), port: sys.port } }, job.timeLimitMs + 60_000)
    ;({ file: profiled } = await perfProfiled(sys.pid, file, () => gen.request('run', { job: { ...job, port: sys.port } }, job.timeLimitMs + 60_000)))
  } finally {
    await sys.stop()
  }
  if (!profiled) return ['profile: Linux perf is not installed here (Debian: apt-get install linux-perf); no profile']
  const spots = await perfHotSpots(profiled, 25)
  // --perf-basic-prof leaves the symbol map of JIT code behind; perf report has read it now.
  rmSync(`/tmp/perf-${sys.pid}.map`, { force: true })
  if (spots.length === 0) return [`profile: perf recorded nothing readable in ${profiled} (perf_event_paranoid?)`]
  opts.log(`  ${label} profile (perf, every thread, inclusive share of samples): ${profiled}`)
  for (const s of spots) opts.log(`    ${s.inclusivePct.toFixed(1).padStart(5)}%  (self ${s.selfPct.toFixed(1)}%)  ${s.fn}`)
  return [`${label} profile (perf, inclusive share of the process's samples) ${profiled}: ` + spots.slice(0, 12).map((s) => `${s.fn} ${s.inclusivePct}%`).join('; ')]
}
