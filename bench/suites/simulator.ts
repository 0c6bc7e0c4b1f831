/**
 * Benchmark 5: simulator capacity. One simulator process (simulator/fleet.ts: one mqtt.js
 * client per virtual box) drives N boxes at the realistic rate, one press per box per
 * minute. It sustains N when every press is acknowledged, its event loop stays responsive
 * and it uses less than one core.
 *
 * The capacity runs use Mosquitto as the broker, so that the broker is never the limit: with
 * Aedes's in-memory persistence every SUBSCRIBE scans every retained message, so a gateway
 * holding 10k retained configs and statuses connects a 10k fleet in O(n²) time (the 2,000-box
 * run against the gateway shows the cost). The gateway's own limits are the other suites'.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { BenchChild } from '../lib/child.ts'
import { credentials } from '../lib/office.ts'
import { load1 } from '../lib/machine.ts'
import { goal, round, row } from '../lib/rows.ts'
import { TARGETS } from '../lib/targets.ts'
import type { BenchOptions, Row, Suite, SuiteResult } from '../lib/types.ts'

interface SimRun {
  boxes: number
  connectMs: number
  pressed: number
  acked: number
  keptUp: boolean
  elapsedS: number
  cpuShare: number
  eventLoopDelayP99Ms: number
  rssMiB: number
}

const FLEET_MODULE = fileURLToPath(new URL('../../simulator/fleet.ts', import.meta.url))
/** Sustained: all acknowledged, event loop p99 under this, and under this share of one core. */
const MAX_EVENT_LOOP_P99_MS = 200
const MAX_CPU_SHARE = 0.9

export const simulator: Suite = {
  id: 'simulator',
  title: 'Simulator capacity: virtual boxes one process sustains at 1 press/box/min',
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const target = 10_000
    if (!existsSync(FLEET_MODULE) || TARGETS.gateway.unavailable() || TARGETS.mosquitto.unavailable()) {
      const note = !existsSync(FLEET_MODULE) ? 'simulator/fleet.ts does not exist yet' : (TARGETS.gateway.unavailable() ?? TARGETS.mosquitto.unavailable())!
      return { rows: [], goals: [goal('simulator', 'one simulator process, 10,000 boxes at the realistic rate', Number.NaN, 'boxes', '≥ 10,000', () => false, note)], notes: [note], runs: [] }
    }
    const plan: Array<{ n: number; broker: 'mosquitto' | 'gateway' }> = opts.quick
      ? [{ n: 100, broker: 'mosquitto' }]
      : [{ n: 2000, broker: 'mosquitto' }, { n: 2000, broker: 'gateway' }, { n: target, broker: 'mosquitto' }]
    const levels = plan.map((p) => p.n)
    const seconds = opts.quick ? 3 : 30
    const runs: Array<Record<string, unknown>> = []
    const rows: Row[] = []
    let sustained = 0
    // One pass per level: nothing is compared here, and a 10k fleet takes a minute to run.
    for (const { n, broker } of plan) {
      const gw = await TARGETS[broker].start({ boxes: n })
      const sim = await BenchChild.start('simulator', new URL('../targets/sim-fleet.ts', import.meta.url))
      try {
        const load = load1()
        const r = await sim.request<SimRun>('run', { url: `mqtt://127.0.0.1:${gw.port}`, boxes: credentials(n), seconds, timeoutMs: 180_000 }, 360_000)
        const ok = r.keptUp && r.acked >= r.pressed && r.eventLoopDelayP99Ms <= MAX_EVENT_LOOP_P99_MS && r.cpuShare <= MAX_CPU_SHARE
        if (ok && broker === 'mosquitto') sustained = Math.max(sustained, n)
        runs.push({ ...r, broker, loadavg1: load, sustained: ok })
        opts.log(
          `  ${String(n).padStart(6)} boxes → ${broker.padEnd(9)}: ${r.pressed} presses in ${r.elapsedS.toFixed(0)} s, acked ${r.acked}, CPU ${(r.cpuShare * 100).toFixed(0)}% of a core, event loop p99 ${r.eventLoopDelayP99Ms.toFixed(0)} ms, RSS ${r.rssMiB.toFixed(0)} MiB, connect ${(r.connectMs / 1000).toFixed(1)} s${ok ? '' : '  NOT sustained'}`,
        )
        const label = `${n.toLocaleString('en-US')} boxes → ${TARGETS[broker].label}`
        if (broker === 'mosquitto') {
          rows.push(row('simulator', `simulator CPU, ${label}`, '% of a core', [r.cpuShare * 100]))
          rows.push(row('simulator', `simulator event loop p99, ${label}`, 'ms', [r.eventLoopDelayP99Ms]))
          rows.push(row('simulator', `simulator RSS, ${label}`, 'MiB', [round(r.rssMiB)]))
        }
        rows.push(row('simulator', `fleet connect time, ${label}`, 's', [r.connectMs / 1000]))
      } finally {
        await sim.stop(60_000)
        await gw.stop()
      }
    }
    const g = goal('simulator', 'one simulator process at the realistic rate', sustained, 'boxes', '≥ 10,000', (v) => v >= target)
    if (opts.quick) Object.assign(g, { pass: null, note: `quick mode tries ${levels.join(', ')} boxes only` })
    return {
      rows,
      goals: [g],
      notes: [`sustained = every press acknowledged, event loop p99 ≤ ${MAX_EVENT_LOOP_P99_MS} ms, CPU ≤ ${MAX_CPU_SHARE * 100}% of a core, against Mosquitto; ${seconds} s at each level, one pass`],
      runs,
    }
  },
}
