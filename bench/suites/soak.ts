/**
 * Soak: a realistic office left running with faults, watching the gateway for leaks. 24
 * virtual boxes (simulator/fleet.ts, in this process) over 20 counters press as the traffic
 * model says citizens arrive in office hours, fast-forwarded (one simulated hour per real
 * minute, closed hours skipped): about 6 presses a second, an office's day every 8 minutes.
 * Faults all along: links dropped and restored (presses wait in the box and arrive late),
 * broker connections killed, duplicate sends, garbage payloads, presses reported hours late,
 * citizens pressing five times at once; and two broker restarts early in the run (a clean
 * stop, then a kill -9), the boxes reconnecting to the same port and data dir.
 *
 * The gateway runs as a real child process (bench/targets/gateway.js); its RSS and open file
 * descriptors are read from /proc every 5 s. The RSS slope is fitted over the last process's
 * life after a warm-up. At the end every box drains its queue, the gateway stops and the
 * database on disk must hold every press a box saw acknowledged.
 *
 * Opt-in (`npm run bench -- --only soak [--soak-minutes N]`; default 60 min, --quick 3 min):
 * a full `npm run bench` does not run it, since it would add an hour.
 */
import { join } from 'node:path'
import { BenchChild } from '../lib/child.ts'
import { load1 } from '../lib/machine.ts'
import { credentials } from '../lib/office.ts'
import { DB_FILE, provisionedDataDir, removeDataDir, TIMEZONE } from '../lib/provision.ts'
import { goal, round, row } from '../lib/rows.ts'
import { checkLedger, ledgerKey, rssSlopePerHour, sample, type Ledger, type Sample } from '../lib/soak-probe.ts'
import type { BenchOptions, Suite, SuiteResult } from '../lib/types.ts'
import { freePort } from '../../test/helpers/ports.ts'
import { Fleet } from '../../simulator/fleet.ts'
import { TrafficDriver } from '../../simulator/traffic-driver.ts'
import { SimClock, TrafficModel, VIETNAM_OFFICE_HOURS, type RatingMix } from '../../simulator/traffic.ts'

const BOXES = 24
const SPEED = 60
const SAMPLE_EVERY_MS = 5_000
/** Monday 5 January 2026, 07:30 in Hà Nội: the simulated office opens. */
const SIM_START = Date.UTC(2026, 0, 5, 0, 30)
const MIXES: RatingMix[] = [
  { positive: 0.8, neutral: 0.15, negative: 0.05 },
  { positive: 0.6, neutral: 0.3, negative: 0.1 },
  { positive: 0.45, neutral: 0.3, negative: 0.25 },
]

type GatewayChild = BenchChild<{ port: number; pid: number }>

function startGateway(dataDir: string, mqttPort: number): Promise<GatewayChild> {
  const args = [JSON.stringify({ dataDir, timezone: TIMEZONE, mqttPort })]
  return BenchChild.start('gateway', new URL('../targets/gateway.js', import.meta.url), args, { readyTimeoutMs: 120_000 })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const soak: Suite = {
  id: 'soak',
  title: 'Soak: a 24-box office with faults against the gateway, RSS and open files over time',
  optIn: true,
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const minutes = opts.soakMinutes ?? (opts.quick ? 3 : 60)
    const durationMs = minutes * 60_000
    // Restarts early, so the last process lives long enough for a meaningful slope.
    const restarts = [
      { atMs: durationMs * 0.1, kind: 'stop' as const },
      { atMs: durationMs * 0.2, kind: 'kill -9' as const },
    ]
    const warmupMs = Math.min(5 * 60_000, durationMs * 0.1)
    const dataDir = provisionedDataDir(BOXES, 'soak')
    const port = await freePort()
    const load0 = load1()
    let gw = await startGateway(dataDir, port)
    let life = 0
    const samples: Sample[] = []
    const acked: Ledger = new Set()
    const sim = new SimClock(SIM_START, SPEED)
    const fleet = new Fleet({
      url: `mqtt://127.0.0.1:${port}`,
      boxes: credentials(BOXES, 'soak'),
      clock: () => sim.now(),
      seed: 'soak',
      keepaliveS: 30,
      backoff: { minMs: 500, maxMs: 5_000 },
    })
    for (const box of fleet.boxes()) box.on('acked', (r) => r && acked.add(ledgerKey(box.boxId, box.boot, r.seq)))
    const t0 = performance.now()
    const elapsed = () => performance.now() - t0
    const sampler = setInterval(() => {
      const t = elapsed()
      const at = life
      void sample(gw.pid, t, at).then((s) => s && samples.push(s))
    }, SAMPLE_EVERY_MS)
    try {
      await fleet.start({ timeoutMs: 60_000 })
      const model = new TrafficModel({
        counters: fleet.boxes().map((b, i) => ({ boxId: b.boxId, ratePerHour: 8 + ((i * 7) % 23), mix: MIXES[i % MIXES.length] })),
        hours: VIETNAM_OFFICE_HOURS,
        seed: 7,
        startMs: SIM_START,
      })
      const driver = new TrafficDriver({ fleet, model, clock: sim, durationMs })
      const every = (ms: number) => Math.max(5_000, Math.round(Math.min(ms, durationMs / 12)))
      fleet.faults.set({
        duplicateRate: 0.02,
        garbageRate: 0.01,
        lateRate: 0.01,
        lateMs: 3 * 3_600_000,
        floodRate: 0.01,
        floodBurst: 5,
        linkFlap: { fraction: 0.1, everyMs: every(60_000), downMs: every(20_000) },
        kill: { fraction: 0.05, everyMs: every(90_000) },
      })
      driver.start()
      opts.log(`  ${BOXES} boxes, ${SPEED}× office hours, ${minutes} min; gateway pid ${gw.pid}, load ${load0}`)
      for (const r of restarts) {
        await sleep(Math.max(0, r.atMs - elapsed()))
        if (r.kind === 'stop') await gw.stop(60_000)
        else {
          const exited = new Promise<void>((res) => gw.proc.once('exit', () => res()))
          gw.proc.kill('SIGKILL')
          await exited
        }
        gw = await startGateway(dataDir, port)
        life++
        opts.log(`  ${(elapsed() / 60_000).toFixed(1)} min: broker restart (${r.kind}), new gateway pid ${gw.pid}`)
      }
      let nextReport = elapsed() + durationMs / 6
      while (elapsed() < durationMs) {
        await sleep(Math.min(5_000, durationMs - elapsed()))
        if (elapsed() >= nextReport) {
          nextReport += durationMs / 6
          const s = samples.at(-1)
          if (s) opts.log(`  ${(s.t / 60_000).toFixed(1)} min: RSS ${s.rssMiB.toFixed(1)} MiB, ${s.fds} fds, ${driver.pressed} pressed, ${acked.size} acked (sim ${new Date(sim.now()).toISOString().slice(0, 16)})`)
        }
      }
      driver.stop()
      fleet.faults.stop()
      fleet.faults.restoreLinks()
      await fleet.waitAllAcked({ timeoutMs: 180_000 })
    } finally {
      clearInterval(sampler)
      await fleet.close()
      await gw.stop(60_000)
    }
    const ledger = checkLedger(join(dataDir, DB_FILE), acked)
    removeDataDir(dataDir)
    const totals = fleet.summary().totals
    const last = samples.filter((s) => s.life === life)
    const fit = rssSlopePerHour(samples, life, warmupMs)
    const anonFit = rssSlopePerHour(samples, life, warmupMs, 'anonMiB')
    const fds = samples.map((s) => s.fds)
    const lastFds = last.map((s) => s.fds)
    const cpuShare = last.length > 1 ? (last[last.length - 1].cpuS - last[0].cpuS) / ((last[last.length - 1].t - last[0].t) / 1000) : Number.NaN
    const first = samples[0]
    const end = samples[samples.length - 1]
    const lines = [
      `RSS slope ${fit.slope.toFixed(2)} MiB/h (least squares over ${fit.points} samples, ${fit.spanMin.toFixed(0)} min of the last gateway process after ${(warmupMs / 60_000).toFixed(1)} min warm-up)`,
      `anonymous RSS slope ${anonFit.slope.toFixed(2)} MiB/h (heap and stacks; the rest is file pages: code, the mapped WAL index)`,
      `RSS start ${first?.rssMiB.toFixed(1)} MiB, end ${end?.rssMiB.toFixed(1)} MiB; last process ${last[0]?.rssMiB.toFixed(1)} → ${last.at(-1)?.rssMiB.toFixed(1)} MiB`,
      `open fds min ${Math.min(...fds)} max ${Math.max(...fds)} (last process ${Math.min(...lastFds)}–${Math.max(...lastFds)})`,
      `gateway CPU ${(cpuShare * 100).toFixed(1)}% of a core (last process)`,
      `presses ${totals.presses} made, ${ledger.acked} acknowledged (${totals.counted.total} counted, ${totals.repeats.total} repeats), ${totals.duplicates} duplicate sends, ${totals.resends} resends, ${totals.garbage} garbage, ${totals.late} late, ${totals.connects} connects`,
      `ledger: ${ledger.acked} acknowledged, ${ledger.stored} stored, ${ledger.missing} acknowledged but missing${ledger.example ? ` (e.g. ${ledger.example})` : ''}`,
    ]
    for (const l of lines) opts.log(`  ${l}`)
    return {
      rows: [
        row('soak', 'gateway RSS slope after warm-up', 'MiB/h', [round(fit.slope, 2)]),
        row('soak', 'gateway anonymous RSS slope after warm-up', 'MiB/h', [round(anonFit.slope, 2)]),
        row('soak', 'gateway RSS at start', 'MiB', [round(first?.rssMiB ?? Number.NaN)]),
        row('soak', 'gateway RSS at end', 'MiB', [round(end?.rssMiB ?? Number.NaN)]),
        row('soak', 'gateway open fds, min', 'fds', [Math.min(...fds)]),
        row('soak', 'gateway open fds, max', 'fds', [Math.max(...fds)]),
        row('soak', 'gateway CPU', '% of a core', [round(cpuShare * 100)]),
        row('soak', 'presses acknowledged', 'presses', [ledger.acked]),
      ],
      goals: [
        goal('soak', 'acknowledged presses missing from the store after the soak', ledger.missing, 'presses', '0', (v) => v === 0),
      ],
      notes: [`${minutes} min, ${BOXES} boxes at ${SPEED}× office hours with faults, broker restarts at ${restarts.map((r) => `${(r.atMs / 60_000).toFixed(1)} min (${r.kind})`).join(', ')}`, ...lines],
      runs: [{ minutes, samples: samples.map((s) => ({ ...s, rssMiB: round(s.rssMiB, 2), anonMiB: round(s.anonMiB, 2) })), ledger, totals, loadavg1AtStart: load0, loadavg1AtEnd: load1() }],
    }
  },
}
