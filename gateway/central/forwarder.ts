/**
 * Ships this centre's presses, rejected messages and registry to the province's central
 * PostgreSQL (docs/central.md); the sibling of influx/forwarder.ts, on the same outbox.
 *
 * The loop, each step in order:
 * 1. connect: the hosts of central.url in order (connect.ts; read-write skips replicas), then
 *    check the schema version and that this role is registered for central.centre;
 * 2. registry: when it changed (bus `registryChanged`), at start and every registryEveryMs,
 *    the whole registry and its history in one transaction (rows.ts);
 * 3. outbox: presses (and rejected messages) after the cursors, in one transaction per
 *    batch, `ON CONFLICT DO NOTHING`; COMMIT; only then move the cursors, in SQLite.
 *    A crash between COMMIT and the cursor re-sends the batch, which inserts nothing (the
 *    key is (centre, box, boot, seq)); a crash before COMMIT re-sends what never arrived.
 *
 * Failures (errors.ts decides which is which):
 * - retry: network errors, a server shutting down or failing over: exponential backoff with
 *   jitter; presses keep accumulating in SQLite and drain when PostgreSQL is back;
 * - fatal: authentication, missing schema, wrong schema version, a role not registered for
 *   this centre, permission denied: forwarding stops with `state: 'stopped'` and the reason
 *   in health and /metrics; the backlog is kept; tried again every recheckMs.
 * The gateway keeps ingesting locally throughout: nothing here is on the ingest path.
 */
import type pg from 'pg'
import type { Static } from '@sinclair/typebox'
import type { Logger } from 'pino'
import type { CentralSchema } from '../config-schema.ts'
import type { GatewayBus } from '../events.ts'
import type { MetricSample } from '../metrics.ts'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { connectCentral, parseCentralUrl, safeCentralUrl } from './connect.ts'
import { CentralError, classifyCentralError, isPermanent } from './errors.ts'
import { CentralRows } from './rows.ts'
import { CENTRAL_SCHEMA_VERSION } from './schema.ts'
import { currentCentralVersion } from './migrate.ts'

export type CentralConfig = Static<typeof CentralSchema>
export type CentralState = 'connecting' | 'ok' | 'retrying' | 'stopped'

export interface CentralStatus {
  name: string
  /** ok: forwarding or caught up; retrying: PostgreSQL unreachable, backing off; stopped: refused for good until fixed */
  state: CentralState
  /** The URL without its password. */
  target: string
  centre: string
  /** The host:port of the current connection (after a failover, the new primary). */
  connectedTo: string | null
  backlog: number
  cursor: number
  lastSuccessAt: number | null
  lastError: { message: string; code?: string; at: number } | null
  nextAttemptAt: number | null
  consecutiveFailures: number
  /** Presses new to PostgreSQL since start (re-sent ones that already were there not counted). */
  pressesWritten: number
  /** Presses sent since start, re-sends included. */
  pressesSent: number
  errors: number
}

export interface CentralForwarderOptions {
  db: Db
  config: CentralConfig
  log: Logger
  bus?: GatewayBus
  /** node-postgres, loaded by the caller (lazily: an idle gateway without central never loads it). */
  pg: typeof pg
}

/** Cursor names in forwarder_cursors (the rejected table's cursor counts rejected ids). */
export const PRESS_CURSOR = 'central'
const REJECTED_CURSOR = 'central-rejected'
/** A test hook: hang after the first COMMIT with rows, before the cursor moves (test/central). */
const HANG_AFTER_COMMIT = 'CHAMDIEM_TEST_CENTRAL_HANG_AFTER_COMMIT'
/** How long stop() lets a batch in flight finish before closing the connection under it. */
const STOP_GRACE_MS = 2000

export class CentralForwarder {
  readonly name = 'central'
  private readonly log: Logger
  private readonly target: string
  private started = false
  private timer: NodeJS.Timeout | null = null
  private loop: Promise<void> | null = null
  private wakeWhileRunning = false
  private unsubscribe: Array<() => void> = []
  private rows: CentralRows | null = null
  private saveCursor: import('better-sqlite3').Statement<[string, number, number]> | null = null
  private client: pg.Client | null = null
  private connectedTo: string | null = null
  /** Registry changes seen, and how many of them PostgreSQL has committed (a change during a send is sent again). */
  private registryChanges = 1
  private registryCommitted = 0
  private registrySentAt = 0
  private idleWaiters: Array<() => void> = []

  private cursor = 0
  private rejectedCursor = 0
  private state: CentralState = 'connecting'
  private lastSuccessAt: number | null = null
  private lastError: CentralStatus['lastError'] = null
  private nextAttemptAt: number | null = null
  private failures = 0
  private pressesWritten = 0
  private pressesSent = 0
  private errors = 0

  constructor(private readonly opts: CentralForwarderOptions) {
    this.log = opts.log
    // A URL that cannot be parsed fails the part's start with the reason (health: failed).
    parseCentralUrl(opts.config.url)
    this.target = safeCentralUrl(opts.config.url)
  }

  start(): void {
    if (this.started) return
    this.started = true
    const { db } = this.opts
    this.rows = new CentralRows(db)
    this.saveCursor = sql<[string, number, number]>(
      db,
      `INSERT INTO forwarder_cursors (name, last_press_id, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET last_press_id = excluded.last_press_id, updated_at = excluded.updated_at`,
    )
    const read = sql<[string], { last_press_id: number }>(db, 'SELECT last_press_id FROM forwarder_cursors WHERE name = ?')
    this.cursor = read.get(PRESS_CURSOR)?.last_press_id ?? 0
    this.rejectedCursor = read.get(REJECTED_CURSOR)?.last_press_id ?? 0
    const bus = this.opts.bus
    if (bus) {
      this.unsubscribe = [
        bus.on('press', 'central forwarder', () => this.wake()),
        bus.on('rejected', 'central forwarder', () => this.wake()),
        bus.on('registryChanged', 'central forwarder', () => {
          this.registryChanges++
          this.wake()
        }),
      ]
    }
    this.log.info({ target: this.target, centre: this.opts.config.centre, cursor: this.cursor, backlog: this.backlog() }, 'forwarding to the central PostgreSQL')
    this.schedule(0)
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const off of this.unsubscribe) off()
    this.unsubscribe = []
    this.clearTimer()
    if (this.loop) {
      // Let a batch in flight finish (so it need not be re-sent), but not for long: closing
      // the connection fails a query that hangs on a dead network.
      const grace = setTimeout(() => void this.disconnect(), STOP_GRACE_MS)
      await this.loop
      clearTimeout(grace)
    }
    await this.disconnect()
    for (const w of [...this.idleWaiters]) w()
  }

  /** Forwards now instead of at the next poll. */
  wake(): void {
    if (!this.started || (this.state !== 'ok' && this.state !== 'connecting')) return
    if (this.loop) this.wakeWhileRunning = true
    else this.schedule(0)
  }

  /** Resolves once every press stored so far is in PostgreSQL (for tests and tools). */
  async drained(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.backlog() > 0 || this.registryDirty()) {
      if (!this.started) throw new Error('central forwarder stopped before the backlog drained')
      if (this.state === 'stopped') throw new Error(`central forwarder refused: ${this.lastError?.message}`)
      if (Date.now() > deadline) throw new Error(`central backlog of ${this.backlog()} presses not drained after ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.idleWaiters = this.idleWaiters.filter((w) => w !== done)
          resolve()
        }
        const timer = setTimeout(done, 50)
        this.idleWaiters.push(done)
      })
    }
  }

  status(): CentralStatus {
    return {
      name: this.name,
      state: this.state,
      target: this.target,
      centre: this.opts.config.centre,
      connectedTo: this.connectedTo,
      backlog: this.backlog(),
      cursor: this.cursor,
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      nextAttemptAt: this.state === 'ok' ? null : this.nextAttemptAt,
      consecutiveFailures: this.failures,
      pressesWritten: this.pressesWritten,
      pressesSent: this.pressesSent,
      errors: this.errors,
    }
  }

  metrics(): MetricSample[] {
    const s = this.status()
    const labels = { centre: s.centre }
    return [
      { name: 'chamdiem_central_backlog_presses', type: 'gauge', help: 'Presses stored but not yet committed to the central PostgreSQL', value: s.backlog, labels },
      { name: 'chamdiem_central_presses_written_total', type: 'counter', help: 'Presses new to the central PostgreSQL since start', value: s.pressesWritten, labels },
      { name: 'chamdiem_central_errors_total', type: 'counter', help: 'Failed attempts to reach or write the central PostgreSQL since start', value: s.errors, labels },
      {
        name: 'chamdiem_central_last_success_timestamp_seconds',
        type: 'gauge',
        help: 'When the central PostgreSQL last committed a batch (0 = not since start)',
        value: s.lastSuccessAt ? s.lastSuccessAt / 1000 : 0,
        labels,
      },
      ...(['connecting', 'ok', 'retrying', 'stopped'] as const).map(
        (state): MetricSample => ({
          name: 'chamdiem_central_state',
          type: 'gauge',
          help: 'Central forwarder state: 1 for the current one (stopped = refused for good: see /api/health for why)',
          value: s.state === state ? 1 : 0,
          labels: { ...labels, state },
        }),
      ),
    ]
  }

  // -------------------------------------------------------------------------------------

  private registryDirty(): boolean {
    return this.registryCommitted !== this.registryChanges
  }

  private backlog(): number {
    return this.rows ? Math.max(0, this.rows.lastPressId() - this.cursor) : 0
  }

  private schedule(delayMs: number): void {
    this.clearTimer()
    if (!this.started) return
    this.nextAttemptAt = Date.now() + delayMs
    this.timer = setTimeout(() => {
      this.timer = null
      this.loop = this.run().finally(() => (this.loop = null))
    }, delayMs)
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private async run(): Promise<void> {
    let next = this.opts.config.flushIntervalMs
    try {
      this.wakeWhileRunning = false
      const client = await this.connect()
      if (this.registryDirty() || Date.now() - this.registrySentAt >= this.opts.config.registryEveryMs) await this.sendRegistry(client)
      while (this.started && (await this.sendBatch(client)) > 0) this.wakeWhileRunning = false
      this.succeeded()
      for (const w of [...this.idleWaiters]) w()
    } catch (err) {
      next = await this.failed(err)
    }
    if (this.wakeWhileRunning && this.state === 'ok') next = 0
    this.schedule(next)
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client
    const { config } = this.opts
    const client = await connectCentral(
      { url: config.url, tls: config.tls, connectTimeoutMs: config.connectTimeoutMs, applicationName: `chamdiem gateway ${config.centre}` },
      this.opts.pg.Client,
      isPermanent,
    )
    try {
      const version = await currentCentralVersion(client)
      if (version === null || version === 0) throw new CentralError('the central schema is missing: run `chamdiem central migrate --url <owner url>`', 'fatal')
      if (version !== CENTRAL_SCHEMA_VERSION) {
        throw new CentralError(`the central schema is at version ${version}, this gateway needs ${CENTRAL_SCHEMA_VERSION}: run \`chamdiem central migrate\` or upgrade the gateway`, 'fatal')
      }
      const { rows } = await client.query<{ centre: string | null; role: string }>('SELECT chamdiem.gateway_centre() AS centre, session_user AS role')
      const { centre, role } = rows[0]
      if (centre !== config.centre) {
        throw new CentralError(
          centre === null
            ? `role ${role} is not registered for any centre: chamdiem central add-centre --id ${config.centre} --role ${role}`
            : `role ${role} forwards for centre ${centre}, not ${config.centre}: fix central.centre or central.url`,
          'fatal',
        )
      }
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    const params = client as unknown as { host: string; port: number }
    this.connectedTo = `${params.host}:${params.port}`
    this.client = client
    return client
  }

  private async disconnect(): Promise<void> {
    const client = this.client
    this.client = null
    this.connectedTo = null
    await client?.end().catch(() => {})
  }

  private async sendRegistry(client: pg.Client): Promise<void> {
    const changes = this.registryChanges
    const startedAt = Date.now()
    try {
      await client.query('BEGIN')
      const written = await this.rows!.syncRegistry(client, this.opts.config.centre)
      await client.query('COMMIT')
      this.registrySentAt = startedAt
      this.registryCommitted = changes
      if (written > 0) this.log.debug({ written }, 'registry sent to the central PostgreSQL')
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
  }

  /** One batch of presses and rejected messages; resolves to how many rows it carried. */
  private async sendBatch(client: pg.Client): Promise<number> {
    const { centre, batchSize } = this.opts.config
    const presses = this.rows!.pressBatch(this.cursor, batchSize)
    const rejected = this.rows!.rejectedBatch(this.rejectedCursor, batchSize)
    if (presses.count + rejected.count === 0) return 0
    let inserted = 0
    try {
      await client.query('BEGIN')
      inserted = await this.rows!.insertPresses(client, centre, presses)
      await this.rows!.insertRejected(client, centre, rejected)
      await client.query('COMMIT')
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
    if (process.env[HANG_AFTER_COMMIT] && presses.count > 0) {
      this.log.warn({ presses: presses.count, lastId: presses.lastId }, 'test hook: committed, hanging before the cursor moves')
      await new Promise(() => {})
    }
    // PostgreSQL has the rows: move the cursors past them (one SQLite commit).
    const now = Date.now()
    this.opts.db.transaction(() => {
      if (presses.count > 0) this.saveCursor!.run(PRESS_CURSOR, presses.lastId, now)
      if (rejected.count > 0) this.saveCursor!.run(REJECTED_CURSOR, rejected.lastId, now)
    })()
    if (presses.count > 0) this.cursor = presses.lastId
    if (rejected.count > 0) this.rejectedCursor = rejected.lastId
    this.pressesSent += presses.count
    this.pressesWritten += inserted
    this.lastSuccessAt = now
    return presses.count + rejected.count
  }

  private succeeded(): void {
    if (this.state !== 'ok') {
      this.log.info({ target: this.target, connectedTo: this.connectedTo, after: this.failures, backlog: this.backlog() }, 'central PostgreSQL accepts writes; forwarding')
    }
    this.state = 'ok'
    this.failures = 0
    this.lastSuccessAt ??= Date.now()
  }

  /** Records the failure, drops the connection, and returns the delay before the next try. */
  private async failed(err: unknown): Promise<number> {
    const e = classifyCentralError(err)
    this.errors++
    this.failures++
    this.lastError = { message: e.message, code: e.code, at: Date.now() }
    await this.disconnect()
    if (e.kind === 'retry') {
      const delay = this.backoff()
      const level = this.state === 'retrying' ? 'debug' : 'warn'
      this.state = 'retrying'
      this.log[level]({ target: this.target, error: e.message, attempt: this.failures, retryInMs: delay, backlog: this.backlog() }, 'central PostgreSQL unreachable; presses stay in the outbox')
      return delay
    }
    if (this.state !== 'stopped') {
      this.log.error(
        { target: this.target, error: e.message, code: e.code, backlog: this.backlog(), recheckInMs: this.opts.config.recheckMs },
        'central PostgreSQL REFUSED this gateway: forwarding stopped until central config or the database is fixed (the backlog is kept and sent then)',
      )
    }
    this.state = 'stopped'
    return this.opts.config.recheckMs
  }

  private backoff(): number {
    const { minBackoffMs, maxBackoffMs } = this.opts.config
    const ceiling = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.failures - 1, 30))
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
  }
}
