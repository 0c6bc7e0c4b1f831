/**
 * Benchmark 3: memory of idle connections. Boxes connect (keepalive 60 s) in bounded batches
 * and stay idle; the broker's resident memory is read from /proc after each step settles, and
 * again after a full garbage collection (RSS alone moves with the collector's timing, so
 * the second figure is the steadier one to compare). Bare Aedes with the same connections is
 * the baseline, alternated with the gateway: compiled (dist/, on plain Node: what an install
 * runs, the production figure) and from its sources through tsx (what development runs).
 * Each system's start time (fork to broker listening) is recorded too.
 *
 * An idle process is measured as it idles: V8 grows its young generation while a process
 * loads and starts (the gateway's modules, migrations, config schemas) and returns it only
 * when its memory reducer finds the process idle, some 10 to 20 s later; a forced GC does
 * not return it. So each step waits, after settling, until the young generation is back at
 * its floor (bounded; a step that does not get there within the bound is noted). The compiled
 * gateway is also waited for until its checkpoint worker has stopped: the worker (a thread
 * with a V8 heap of its own, ~5 MiB) runs only while the database is written, and stops
 * 15 s after the last write (the boxes' status at connect, the gateway's own start), as it
 * does every night in an office. The gateway run through tsx is not waited for: it is the
 * development figure, and its transpiler keeps allocating for longer than the bound.
 */
import { performance } from 'node:perf_hooks'
import { BenchChild } from '../lib/child.ts'
import { credentials } from '../lib/office.ts'
import { load1 } from '../lib/machine.ts'
import { rssBytes } from '../lib/proc.ts'
import { goal, round, row } from '../lib/rows.ts'
import { TARGETS, type Target } from '../lib/targets.ts'
import type { BenchOptions, Row, Suite, SuiteResult } from '../lib/types.ts'

const MiB = 2 ** 20

/** The young generation V8 keeps when idle (two 1 MiB semi-spaces, or less). */
const YOUNG_FLOOR = 2 * MiB
const YOUNG_WAIT_MS = 45_000

/**
 * Waits until the child's young generation is at its floor and, for a gateway, its checkpoint
 * worker has stopped; returns how long it took, or null.
 */
async function untilIdle(child: BenchChild, gateway: boolean): Promise<number | null> {
  const start = performance.now()
  while (performance.now() - start < YOUNG_WAIT_MS) {
    const young = await child.request<number>('youngGeneration')
    if (young <= YOUNG_FLOOR && !(gateway && (await child.request<boolean>('checkpointWorker')))) return performance.now() - start
    await new Promise((res) => setTimeout(res, 1000))
  }
  return null
}

function sizes(quick: boolean) {
  return quick ? { levels: [0, 200], settleMs: 1000 } : { levels: [0, 1000, 5000, 10_000], settleMs: 3000 }
}

export const idle: Suite = {
  id: 'idle',
  title: 'Idle connections: broker RSS with 0 / 1k / 5k / 10k connected boxes (keepalive 60 s)',
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const { levels, settleMs } = sizes(opts.quick)
    const top = levels[levels.length - 1]
    const boxes = credentials(top)
    const notes: string[] = []
    const targets: Target[] = []
    for (const t of [TARGETS.aedes, TARGETS.gatewayCompiled, TARGETS.gateway]) {
      const why = t.unavailable()
      if (why) notes.push(`${t.label}: skipped (${why})`)
      else targets.push(t)
    }
    const samples = new Map<string, number[]>()
    const runs: Array<Record<string, unknown>> = []
    for (let r = 1; r <= opts.runs; r++) {
      for (const t of targets) {
        // A fresh generator per run: its sockets are closed for good when it exits.
        const gen = await BenchChild.start('generator', new URL('../load/generator.ts', import.meta.url))
        const sys = await t.start({ boxes: top, execArgv: ['--expose-gc'] })
        samples.set(`${t.key}/start`, [...(samples.get(`${t.key}/start`) ?? []), sys.startMs ?? Number.NaN])
        opts.log(`  run ${r} ${t.label.padEnd(22)} started in ${(sys.startMs ?? Number.NaN).toFixed(0)} ms`)
        try {
          let have = 0
          for (const level of levels) {
            if (level > have) {
              const res = await gen.request<{ connected: number; refused: number; connectMs: number }>(
                'hold',
                { job: { port: sys.port, boxes: boxes.slice(have, level), connectBatch: 250, keepalive: 60, timeLimitMs: 180_000 } },
                240_000,
              )
              if (res.connected !== level - have) notes.push(`run ${r} ${t.label}: ${res.connected} of ${level - have} connected (${res.refused} refused)`)
              have = level
            }
            await new Promise((res) => setTimeout(res, settleMs))
            // The wait is for the figures compared (bare Aedes, the compiled gateway); the tsx one
            // is the developer's and keeps its transpiler's heap (not waited for: > 45 s).
            const waitedMs = sys.child && t !== TARGETS.gateway ? await untilIdle(sys.child, t === TARGETS.gatewayCompiled) : 0
            if (waitedMs === null) notes.push(`run ${r} ${t.label}, ${level} boxes: not idle within ${YOUNG_WAIT_MS / 1000} s (V8's young generation above its floor, or the checkpoint worker still running); RSS read anyway`)
            const rss = (await rssBytes(sys.pid)) / MiB
            await sys.child?.request('gc')
            const rssGc = (await rssBytes(sys.pid)) / MiB
            for (const [key, v] of [[`${t.key}@${level}`, rss], [`${t.key}@${level}/gc`, rssGc]] as const) samples.set(key, [...(samples.get(key) ?? []), v])
            runs.push({ round: r, system: t.key, connections: level, rssMiB: round(rss), rssAfterGcMiB: round(rssGc), idleAfterMs: waitedMs === null ? null : Math.round(waitedMs), loadavg1: load1() })
            opts.log(`  run ${r} ${t.label.padEnd(22)} ${String(level).padStart(6)} connections  RSS ${rss.toFixed(1)} MiB, after GC ${rssGc.toFixed(1)} MiB (idle after ${waitedMs === null ? '> ' + YOUNG_WAIT_MS / 1000 : (waitedMs / 1000).toFixed(0)} s more)`)
          }
        } finally {
          await gen.stop()
          await sys.stop()
        }
      }
    }
    const rows: Row[] = []
    for (const t of targets) {
      rows.push(row('idle', `start time ${t.label}`, 'ms', samples.get(`${t.key}/start`) ?? []))
      for (const level of levels) {
        rows.push(row('idle', `RSS ${t.label}, ${level.toLocaleString('en-US')} boxes`, 'MiB', samples.get(`${t.key}@${level}`) ?? []))
        rows.push(row('idle', `RSS after GC ${t.label}, ${level.toLocaleString('en-US')} boxes`, 'MiB', samples.get(`${t.key}@${level}/gc`) ?? []))
      }
    }
    const median = (key: string) => rows.find((x) => x.name === key)?.median ?? Number.NaN
    const rss = (t: Target, level: number) => median(`RSS ${t.label}, ${level.toLocaleString('en-US')} boxes`)
    const gw = TARGETS.gatewayCompiled
    const why = gw.unavailable() ?? undefined
    const goals = [
      goal('idle', 'compiled gateway RSS with 10,000 idle boxes', rss(gw, top), 'MiB', '≤ 200', (v) => v <= 200, why),
      goal('idle', 'compiled gateway RSS above bare Aedes, 0 boxes', rss(gw, 0) - rss(TARGETS.aedes, 0), 'MiB', '≤ 25', (v) => v <= 25, why),
      goal('idle', 'compiled gateway RSS / bare Aedes, 10,000 boxes', (100 * rss(gw, top)) / rss(TARGETS.aedes, top), '%', '≤ 110', (v) => v <= 110, why),
    ]
    // Quick mode connects too few boxes to judge the goals at 10,000.
    if (opts.quick) for (const g of [goals[0], goals[2]]) Object.assign(g, { measured: Number.NaN, pass: null, note: `quick mode connects ${top} boxes only` })
    return {
      rows,
      goals,
      notes,
      runs,
    }
  },
}
