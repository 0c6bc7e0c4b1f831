/**
 * Benchmark 6: what one sign-in costs the box configs. A gateway (in this process, its
 * standard wiring, no HTTP) on a data dir with 10,000 boxes over 20 counters; a real mqtt.js
 * client logged in as a box at counter q1 and subscribed to its retained config. Measured per
 * sign-in at q1: the time until that box has the new officer's name, and the SQLite statement
 * executions the gateway ran meanwhile (reads and writes, the sign-in's own included).
 */
import { performance } from 'node:perf_hooks'
import mqtt from 'mqtt'
import type { Statement } from 'better-sqlite3'
import { resolveConfig } from '../../gateway/config.ts'
import { Gateway } from '../../gateway/gateway.ts'
import { silentLogger } from '../../gateway/log.ts'
import { configTopic, decode } from '../../protocol/index.ts'
import { boxIds, secretOf } from '../lib/office.ts'
import { provisionedDataDir, removeDataDir, TIMEZONE } from '../lib/provision.ts'
import { round, row } from '../lib/rows.ts'
import type { BenchOptions, Suite, SuiteResult } from '../lib/types.ts'

/** Counts statement executions of every better-sqlite3 statement until `stop()`. */
function countStatements(sample: Statement): { count: () => number; stop: () => void } {
  const proto = Object.getPrototypeOf(sample) as Record<string, (...a: unknown[]) => unknown>
  const names = ['get', 'all', 'run', 'iterate'] as const
  const original = names.map((n) => proto[n])
  let n = 0
  names.forEach((name, i) => {
    proto[name] = function (this: unknown, ...args: unknown[]) {
      n++
      return original[i].apply(this, args)
    }
  })
  return { count: () => n, stop: () => names.forEach((name, i) => (proto[name] = original[i])) }
}

export const boxConfig: Suite = {
  id: 'box-config',
  title: 'Box configs: one sign-in at a counter, 10,000 boxes provisioned (500 at that counter)',
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const boxes = opts.quick ? 1000 : 10_000
    const signIns = opts.quick ? 3 : 5 * opts.runs
    const dataDir = provisionedDataDir(boxes)
    const config = resolveConfig(
      { dataDir, timezone: TIMEZONE, logLevel: 'silent', mqtt: { host: '127.0.0.1', port: 0, wsPort: null }, http: { enabled: false } },
      'bench',
      {},
    )
    const gw = new Gateway({ config, log: silentLogger() })
    await gw.start()
    const boxId = boxIds(boxes)[0] // stands at q1
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: boxId, username: boxId, password: secretOf(boxId), reconnectPeriod: 0 })
    const ms: number[] = []
    const statements: number[] = []
    const runs: Array<Record<string, unknown>> = []
    try {
      let shown: string | null = null
      let waiting: { officer: string; resolve: () => void } | null = null
      client.on('message', (_topic, payload) => {
        const r = decode('config', payload)
        if (!r.ok) return
        shown = r.value.officer
        if (waiting && shown === waiting.officer) waiting.resolve()
      })
      await client.subscribeAsync(configTopic(boxId), { qos: 1 })
      const counter = countStatements(gw.db.prepare('SELECT 1'))
      try {
        for (let i = 1; i <= signIns; i++) {
          // Alternate two officers of other counters, so every sign-in changes q1's config.
          const officerId = i % 2 ? 'officer-2' : 'officer-3'
          const officer = gw.registry.officer(officerId)!.name
          const arrived = new Promise<void>((resolve) => (waiting = { officer, resolve }))
          const before = counter.count()
          const t0 = performance.now()
          gw.registry.signIn(officerId, 'q1')
          await arrived
          const elapsed = performance.now() - t0
          // Let the rest of the pass finish (it runs on after the first publish) before counting.
          await new Promise((r) => setTimeout(r, 200))
          const n = counter.count() - before
          ms.push(elapsed)
          statements.push(n)
          runs.push({ signIn: i, boxes, ms: round(elapsed, 2), statements: n })
          opts.log(`  sign-in ${i}: config at the box after ${elapsed.toFixed(1)} ms, ${n} SQLite statements`)
        }
      } finally {
        counter.stop()
      }
    } finally {
      await client.endAsync(true)
      await gw.stop()
      removeDataDir(dataDir)
    }
    const label = `${boxes.toLocaleString('en-US')} boxes`
    return {
      rows: [row('box-config', `sign-in -> new config at a box, ${label}`, 'ms', ms), row('box-config', `SQLite statements per sign-in, ${label}`, 'count', statements)],
      goals: [],
      notes: [],
      runs,
    }
  },
}
