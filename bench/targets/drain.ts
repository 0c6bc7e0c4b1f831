/**
 * The outbox drain, in its own process: a temp SQLite store filled with a backlog of presses
 * (spread over 2,000 boxes and 20 counters, a day's worth of timestamps), then the real
 * forwarder (`gateway/influx/forwarder.ts`) started on it; `drain` times it until the
 * backlog is empty.
 *
 * argv[2]: JSON `{ presses }`. Request `drain { influx, profile? }` (the config's influx
 * section; `profile`: a .cpuprofile file to write, covering the drain only).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Value } from '@sinclair/typebox/value'
import { InfluxSchema } from '../../gateway/config-schema.ts'
import { InfluxForwarder } from '../../gateway/influx/forwarder.ts'
import { silentLogger } from '../../gateway/log.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { serveParent } from '../lib/child.ts'
import { backlogRows } from '../lib/backlog.ts'
import { profiled } from '../lib/profile.ts'

const { presses } = JSON.parse(process.argv[2] ?? '{}') as { presses: number }
const dir = mkdtempSync(join(tmpdir(), 'chamdiem-bench-drain-'))
const db = openDatabase(join(dir, 'chamdiem.db'))
const insert = db.prepare(
  `INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id)
   VALUES (?, 'bench', ?, ?, 0, ?, 0, ?, ?, ?, ?)`,
)
db.transaction(() => {
  for (const [boxId, seq, rating, timeMs, officeId, counterId, officerId] of backlogRows(presses)) {
    insert.run(boxId, seq, rating, timeMs, timeMs, officeId, counterId, officerId)
  }
})()

serveParent(
  { pid: process.pid, presses },
  {
    drain: async (m) => {
      const config = Value.Default(InfluxSchema, structuredClone(m.influx)) as never
      const forwarder = new InfluxForwarder({ db, config, log: silentLogger(), name: `bench-${Date.now()}` })
      const t0 = performance.now()
      const drain = async () => {
        forwarder.start()
        try {
          await forwarder.drained(Number(m.timeoutMs ?? 300_000))
        } finally {
          await forwarder.stop()
        }
      }
      await (typeof m.profile === 'string' ? profiled(m.profile, drain) : drain())
      const ms = performance.now() - t0
      return { points: forwarder.status().pointsWritten, ms }
    },
  },
  () => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  },
)
