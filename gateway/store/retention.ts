/**
 * Retention (Decree 13/2023 on personal data: keep what is needed, say how long). Hourly,
 * in the background, in small batches so ingest never waits more than a few milliseconds:
 * - the raw bytes of rejected messages are cleared after `rejectedPayloadDays` (the row, its
 *   reason and its time stay: counts of rejected messages remain explainable);
 * - presses are deleted after `pressesDays` (default: kept forever), but never one that a
 *   configured forwarder has not yet shipped: the province must receive every press.
 */
import type { Db } from './database.ts'
import { sql } from './statements.ts'
import type { Logger } from '../log.ts'
import type { MetricSample } from '../metrics.ts'
import type { Clock } from '../clock.ts'

const DAY_MS = 86_400_000
const BATCH = 2000
const EVERY_MS = 3600_000

export interface RetentionConfig {
  rejectedPayloadDays: number
  pressesDays: number | null
}

export class Retention {
  readonly name = 'retention'
  private timer?: NodeJS.Timeout
  private firstRun?: NodeJS.Timeout
  private running: Promise<void> | null = null
  private stopped = false
  private readonly totals = { payloadsCleared: 0, pressesDeleted: 0 }
  private lastRunAt: number | null = null

  constructor(
    private readonly deps: {
      db: Db
      config: RetentionConfig
      /** Cursor names of the forwarders configured (their cursors bound what may be deleted). */
      forwarders: string[]
      now: Clock
      log: Logger
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runNow(), EVERY_MS)
    this.timer.unref()
    // First pass shortly after start, not during it (cleared by stop(): a gateway stopped
    // sooner must not purge through a closed connection).
    this.firstRun = setTimeout(() => void this.runNow(), 5_000)
    this.firstRun.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    clearTimeout(this.firstRun)
    await this.running
  }

  runNow(): Promise<void> {
    this.running ??= this.purge()
      .catch((err) => this.deps.log.error({ err }, 'retention purge failed; will retry'))
      .finally(() => (this.running = null))
    return this.running
  }

  status(): unknown {
    return { ...this.deps.config, lastRunAt: this.lastRunAt && new Date(this.lastRunAt).toISOString(), ...this.totals }
  }

  metrics(): MetricSample[] {
    return [
      { name: 'chamdiem_retention_presses_deleted_total', help: 'Presses deleted past retention.pressesDays since start', type: 'counter', value: this.totals.pressesDeleted },
      { name: 'chamdiem_retention_payloads_cleared_total', help: 'Raw payloads of rejected messages cleared past retention.rejectedPayloadDays since start', type: 'counter', value: this.totals.payloadsCleared },
    ]
  }

  private async purge(): Promise<void> {
    const { db, config, now } = this.deps
    const t = now()
    const clearPayloads = sql(
      db,
      "UPDATE rejected SET raw = x'' WHERE id IN (SELECT id FROM rejected WHERE received_at < ? AND length(raw) > 0 LIMIT ?)",
    )
    this.totals.payloadsCleared += await this.inBatches(() => clearPayloads.run(t - config.rejectedPayloadDays * DAY_MS, BATCH).changes)
    if (config.pressesDays !== null) {
      const shippedUpTo = this.shippedUpTo()
      const deletePresses = sql(db, 'DELETE FROM presses WHERE id IN (SELECT id FROM presses WHERE time_ms < ? AND id <= ? LIMIT ?)')
      const deleted = await this.inBatches(() => deletePresses.run(t - config.pressesDays! * DAY_MS, shippedUpTo, BATCH).changes)
      this.totals.pressesDeleted += deleted
      if (deleted > 0) this.deps.log.info({ deleted, olderThanDays: config.pressesDays }, 'presses past retention deleted')
    }
    this.lastRunAt = t
  }

  /** The highest press id every configured forwarder has shipped (all, without forwarders). */
  private shippedUpTo(): number {
    if (this.deps.forwarders.length === 0) return Number.MAX_SAFE_INTEGER
    const cursor = sql(this.deps.db, 'SELECT last_press_id FROM forwarder_cursors WHERE name = ?', { pluck: true })
    return Math.min(...this.deps.forwarders.map((name) => (cursor.get(name) as number | undefined) ?? 0))
  }

  /** Runs `step` until it changes nothing, yielding to the event loop between batches. */
  private async inBatches(step: () => number): Promise<number> {
    let total = 0
    for (;;) {
      if (this.stopped) return total
      const n = step()
      total += n
      if (n < BATCH) return total
      await new Promise((r) => setImmediate(r))
    }
  }
}
