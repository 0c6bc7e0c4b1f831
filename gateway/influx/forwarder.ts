/**
 * Ships every stored press to InfluxDB, exactly once as far as any query can tell.
 *
 * The `presses` table is the outbox (rowid order); `forwarder_cursors` holds, per destination,
 * the last press id the server has accepted. One loop: read the presses after the cursor, in
 * batches, write them, and only then move the cursor, in SQLite, in its own commit. A crash
 * between the server's answer and that commit re-sends the batch, which rewrites the very
 * same points (same series, same timestamp: line-protocol.ts), so nothing is counted twice;
 * a crash before the answer re-sends what may never have arrived, so nothing is lost.
 *
 * Failures (writer.ts decides which is which):
 * - retry: network errors, 5xx, 429: exponential backoff with jitter, or the server's
 *   Retry-After; presses keep accumulating in SQLite and drain when the server is back.
 * - too-large (413): the batch is halved until it fits.
 * - fatal (bad credentials, unknown database/bucket, unparseable batch): forwarding stops with
 *   a loud error and `status().state === 'stopped'`; the backlog is kept; the write is tried
 *   again every `recheckMs`, and a restart with a fixed config resumes at once.
 *
 * New presses wake the loop through the bus (`press`); without a bus it polls every
 * `flushIntervalMs`. The loop itself (timer, backoff, states, drained) is
 * forwarding/outbox-loop.ts, shared with the central forwarder.
 */
import type { MetricSample } from '../metrics.ts'
import type { Logger } from 'pino'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import type { GatewayBus } from '../events.ts'
import { OutboxLoop, forwarderCursors } from '../forwarding/outbox-loop.ts'
import { BATCH_SQL, type Batch } from './line-protocol.ts'
import { WriteError, type InfluxConfig, type InfluxWriter } from './writer.ts'
import { V1Writer } from './v1-writer.ts'
import { V2Writer } from './v2-writer.ts'

export type ForwarderState = 'ok' | 'retrying' | 'stopped'

export interface ForwarderStatus {
  name: string
  /** ok: writing or caught up; retrying: the server is unreachable/failing, backing off; stopped: refused for good until fixed */
  state: ForwarderState
  /** `v1 http://127.0.0.1:8086 db=chamdiem` (no secrets) */
  target: string
  /** Presses stored but not yet accepted by the server. */
  backlog: number
  /** Last press id the server accepted. */
  cursor: number
  lastSuccessAt: number | null
  lastError: { message: string; status?: number; at: number } | null
  /** When the next attempt is due while retrying or stopped. */
  nextAttemptAt: number | null
  consecutiveFailures: number
  /** Points accepted since start (re-sends after a crash included). */
  pointsWritten: number
  /** Points the server dropped as older than its retention policy. */
  pointsDropped: number
  writeErrors: number
  /** Over the last 10 s. */
  pointsPerSecond: number
}

export interface InfluxForwarderOptions {
  db: Db
  /** The `influx` section of the config. */
  config: InfluxConfig
  log: Logger
  bus?: GatewayBus
  /** Cursor name in `forwarder_cursors` (default 'influx'): one per destination. */
  name?: string
  /** Defaults to the writer for `config.api`. */
  writer?: InfluxWriter
}

const RATE_WINDOW_MS = 10_000
/** How long stop() lets a write in flight finish (so it need not be re-sent) before aborting it. */
const STOP_GRACE_MS = 2000

export function createWriter(config: InfluxConfig): InfluxWriter {
  return config.api === 'v1' ? new V1Writer(config) : new V2Writer(config)
}

type ReadyBatch = { lastId: number; points: number; body: string }

export class InfluxForwarder {
  /** Also its cursor name in forwarder_cursors, and its name as a gateway part. */
  readonly name: string
  private readonly writer: InfluxWriter
  private readonly log: Logger
  private readonly loop: OutboxLoop<{ status?: number }>
  private abort: AbortController | null = null
  private unsubscribe: (() => void) | null = null
  private statements: {
    batch: import('better-sqlite3').Statement<[number, number], Batch>
    lastId: import('better-sqlite3').Statement<[], { n: number }>
    cursors: ReturnType<typeof forwarderCursors>
  } | null = null

  private cursor = 0
  private batchLimit: number
  private pointsWritten = 0
  private pointsDropped = 0
  private recent: Array<[at: number, points: number]> = []

  constructor(private readonly opts: InfluxForwarderOptions) {
    this.name = opts.name ?? 'influx'
    this.writer = opts.writer ?? createWriter(opts.config)
    this.log = opts.log
    this.batchLimit = opts.config.batchSize
    this.loop = new OutboxLoop({
      log: opts.log,
      timing: opts.config,
      target: this.writer.target,
      initialState: 'ok',
      wakeIn: ['ok'],
      drainedRejectsWhenStopped: false,
      label: '',
      run: () => this.run(),
      failed: async (err) => {
        // A bug or a broken database, not a server answer: log it and try again later.
        this.log.error({ err }, 'InfluxDB forwarder failed; retrying')
        return this.opts.config.maxBackoffMs
      },
      backlog: () => this.backlog(),
    })
  }

  start(): void {
    if (this.loop.started) return
    const { db } = this.opts
    this.statements = {
      batch: sql<[number, number], Batch>(db, BATCH_SQL),
      lastId: sql<[], { n: number }>(db, 'SELECT coalesce(max(id), 0) AS n FROM presses'),
      cursors: forwarderCursors(db),
    }
    this.cursor = this.statements.cursors.get(this.name)
    this.unsubscribe = this.opts.bus?.on('press', `influx forwarder ${this.name}`, () => this.wake()) ?? null
    this.log.info({ target: this.writer.target, cursor: this.cursor, backlog: this.backlog() }, 'forwarding presses to InfluxDB')
    this.loop.start()
  }

  async stop(): Promise<void> {
    if (!this.loop.started) return
    this.unsubscribe?.()
    this.unsubscribe = null
    await this.loop.stop(STOP_GRACE_MS, () => this.abort?.abort(), () => this.writer.close())
  }

  /** Writes now instead of at the next poll (e.g. after a press, or to retry at once). */
  wake(): void {
    this.loop.wake()
  }

  /** Tries again now, also while backing off or stopped (an admin's "retry now"). */
  retryNow(): void {
    this.loop.retryNow()
  }

  /**
   * Resolves once every press stored so far has been accepted (backlog 0); rejects when the
   * forwarder is stopped first or after `timeoutMs` (for tests, benchmarks, tools).
   */
  async drained(timeoutMs = 60_000): Promise<void> {
    await this.loop.drained(timeoutMs)
  }

  status(): ForwarderStatus {
    const l = this.loop
    return {
      name: this.name,
      state: l.state as ForwarderState,
      target: this.writer.target,
      backlog: this.backlog(),
      cursor: this.cursor,
      lastSuccessAt: l.lastSuccessAt,
      lastError: l.lastError,
      nextAttemptAt: l.nextAttempt(),
      consecutiveFailures: l.failures,
      pointsWritten: this.pointsWritten,
      pointsDropped: this.pointsDropped,
      writeErrors: l.errors,
      pointsPerSecond: this.pointsPerSecond(),
    }
  }

  /** Samples for `/metrics` (the text format is metrics.ts's job: formatPrometheus). */
  metrics(): MetricSample[] {
    const s = this.status()
    const labels = { forwarder: this.name }
    return [
      { name: 'chamdiem_influx_backlog_presses', type: 'gauge', help: 'Presses stored but not yet accepted by InfluxDB', value: s.backlog, labels },
      { name: 'chamdiem_influx_points_written_total', type: 'counter', help: 'Points InfluxDB accepted since start', value: s.pointsWritten, labels },
      { name: 'chamdiem_influx_points_dropped_total', type: 'counter', help: 'Points InfluxDB dropped as beyond its retention policy', value: s.pointsDropped, labels },
      { name: 'chamdiem_influx_write_errors_total', type: 'counter', help: 'Failed writes to InfluxDB since start', value: s.writeErrors, labels },
      { name: 'chamdiem_influx_points_per_second', type: 'gauge', help: 'Points written per second over the last 10 s', value: s.pointsPerSecond, labels },
      {
        name: 'chamdiem_influx_last_success_timestamp_seconds',
        type: 'gauge',
        help: 'When InfluxDB last accepted a batch (0 = not since start)',
        value: s.lastSuccessAt ? s.lastSuccessAt / 1000 : 0,
        labels,
      },
      ...(['ok', 'retrying', 'stopped'] as const).map(
        (state): MetricSample => ({
          name: 'chamdiem_influx_state',
          type: 'gauge',
          help: 'Forwarder state: 1 for the current one (stopped = refused for good, needs a fix)',
          value: s.state === state ? 1 : 0,
          labels: { ...labels, state },
        }),
      ),
    ]
  }

  // -------------------------------------------------------------------------------------

  /**
   * Presses after the cursor, from the highest id (an index lookup; count(*) would scan a
   * backlog of a million rows for ~100 ms). Exact: AUTOINCREMENT ids have no gaps unless
   * presses are deleted, and then this only overstates a backlog that is still draining.
   */
  private backlog(): number {
    if (!this.statements) return 0
    return Math.max(0, this.statements.lastId.get()!.n - this.cursor)
  }

  private pointsPerSecond(): number {
    const since = Date.now() - RATE_WINDOW_MS
    while (this.recent.length > 0 && this.recent[0][0] < since) this.recent.shift()
    let sum = 0
    for (const [, n] of this.recent) sum += n
    return Math.round(sum / (RATE_WINDOW_MS / 1000))
  }

  /** Writes batches until the outbox is empty or a write fails; resolves to the delay before the next run. */
  private async run(): Promise<number | undefined> {
    try {
      let batch = this.readBatch(this.cursor)
      while (this.loop.started && batch) {
        const writing = this.writeBatch(batch)
        // Read the next batch while the server works on this one (after one turn of the event
        // loop, so the request is on the wire first).
        await new Promise((resolve) => setImmediate(resolve))
        const following = this.readBatch(batch.lastId)
        const outcome = await writing
        if (typeof outcome === 'number') return outcome
        this.loop.served()
        batch = outcome === 'written' && following ? following : this.readBatch(this.cursor)
      }
      if (!batch) this.loop.notifyIdle()
      return undefined
    } finally {
      this.abort = null
    }
  }

  /** Up to batchLimit presses after `after`, as one request body; null when there are none. */
  private readBatch(after: number): ReadyBatch | null {
    const b = this.statements!.batch.get(after, this.batchLimit)!
    return b.points > 0 ? (b as ReadyBatch) : null
  }

  /** 'written', 'smaller' (retry at once with a smaller batch), or the delay before the next try. */
  private async writeBatch(batch: ReadyBatch): Promise<'written' | 'smaller' | number> {
    const { lastId, points, body } = batch
    this.abort = new AbortController()
    try {
      const { dropped } = await this.writer.write(body, this.abort.signal)
      // The server has the points: move the cursor past them (its own commit; a crash before
      // this line re-sends the same points, which overwrite themselves).
      const now = Date.now()
      this.statements!.cursors.save(this.name, lastId, now)
      this.cursor = lastId
      this.pointsWritten += points - dropped
      this.pointsDropped += dropped
      this.recent.push([now, points])
      this.loop.lastSuccessAt = now
      if (dropped > 0) {
        this.log.warn({ dropped, target: this.writer.target }, 'InfluxDB dropped points older than its retention policy')
      }
      this.loop.recovered({}, 'InfluxDB accepts writes again; draining the backlog')
      return 'written'
    } catch (err) {
      const e = err instanceof WriteError ? err : new WriteError((err as Error).message, 'retry')
      this.loop.noteFailure(e.message, { status: e.status })
      if (e.kind === 'too-large' && this.batchLimit > 1) {
        this.batchLimit = Math.max(1, Math.floor(points / 2))
        this.log.warn({ batchSize: this.batchLimit, error: e.message }, 'InfluxDB refused the batch as too large; sending smaller batches')
        return 'smaller'
      }
      if (e.kind === 'retry') return this.loop.retryLater('InfluxDB write failed; presses stay in the outbox and will be retried', e.retryAfterMs)
      return this.loop.refuse(
        { status: e.status },
        'InfluxDB REFUSED the presses: forwarding stopped until the influx config or server is fixed (the backlog is kept and sent then)',
      )
    }
  }
}
