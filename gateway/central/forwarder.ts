/**
 * Ships this centre's presses, rejected messages and registry to the province's central
 * PostgreSQL (docs/central.md); the sibling of influx/forwarder.ts, on the same outbox.
 *
 * The loop, each step in order:
 * 1. connect: the hosts of central.url in order (connect.ts; read-write skips replicas), then
 *    check that the schema accepts this gateway's version (its own, or a newer one that still
 *    takes older writers: migrate.ts) and that this role is registered for central.centre;
 * 2. registry: when it changed (bus `registryChanged`), at start and every registryEveryMs,
 *    the whole registry and its history in one transaction (rows.ts);
 * 3. outbox: presses (and rejected messages) after the cursors, in one transaction per
 *    batch, `ON CONFLICT DO NOTHING`; COMMIT; only then move the cursors, in SQLite.
 *    A crash between COMMIT and the cursor re-sends the batch, which inserts nothing (the
 *    key is (centre, box, boot, seq)); a crash before COMMIT re-sends what never arrived.
 *    The province's daily roll-ups are counted by triggers inside that same transaction,
 *    from the rows actually inserted (schema.ts), so they follow the presses exactly.
 *
 * Failures (errors.ts decides which is which):
 * - retry: network errors, a server shutting down or failing over: exponential backoff with
 *   jitter; presses keep accumulating in SQLite and drain when PostgreSQL is back;
 * - fatal: authentication, missing schema, wrong schema version, a role not registered for
 *   this centre, permission denied: forwarding stops with `state: 'stopped'` and the reason
 *   in health and /metrics; the backlog is kept; tried again every recheckMs.
 * The gateway keeps ingesting locally throughout: nothing here is on the ingest path. The
 * loop itself (timer, backoff, states, drained) is forwarding/outbox-loop.ts, shared with
 * the InfluxDB forwarder.
 */
import type pg from 'pg'
import type { Static } from '@sinclair/typebox'
import type { Logger } from 'pino'
import type { CentralSchema } from '../config-schema.ts'
import type { GatewayBus } from '../events.ts'
import type { MetricSample } from '../metrics.ts'
import type { Db } from '../store/database.ts'
import { OutboxLoop, forwarderCursors } from '../forwarding/outbox-loop.ts'
import { connectCentral, parseCentralUrl, safeCentralUrl } from './connect.ts'
import { CentralError, classifyCentralError, isPermanent } from './errors.ts'
import { CentralRows } from './rows.ts'
import { CENTRAL_SCHEMA_VERSION } from './schema.ts'
import { writeRefusal } from './migrate.ts'

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
  /** The central schema version this gateway writes (default: this code's; tests play an older gateway). */
  schemaVersion?: number
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
  private readonly loop: OutboxLoop<{ code?: string }>
  private unsubscribe: Array<() => void> = []
  private rows: CentralRows | null = null
  private cursors: ReturnType<typeof forwarderCursors> | null = null
  private client: pg.Client | null = null
  private connectedTo: string | null = null
  /** Registry changes seen, and how many of them PostgreSQL has committed (a change during a send is sent again). */
  private registryChanges = 1
  private registryCommitted = 0
  private registrySentAt = 0

  private cursor = 0
  private rejectedCursor = 0
  private pressesWritten = 0
  private pressesSent = 0

  constructor(private readonly opts: CentralForwarderOptions) {
    this.log = opts.log
    // A URL that cannot be parsed fails the part's start with the reason (health: failed).
    parseCentralUrl(opts.config.url)
    this.target = safeCentralUrl(opts.config.url)
    this.loop = new OutboxLoop({
      log: opts.log,
      timing: opts.config,
      target: this.target,
      initialState: 'connecting',
      wakeIn: ['ok', 'connecting'],
      drainedRejectsWhenStopped: true,
      label: 'central ',
      run: () => this.run(),
      failed: (err) => this.failed(err),
      backlog: () => this.backlog(),
      dirty: () => this.registryDirty(),
    })
  }

  start(): void {
    if (this.loop.started) return
    const { db } = this.opts
    this.rows = new CentralRows(db)
    this.cursors = forwarderCursors(db)
    this.cursor = this.cursors.get(PRESS_CURSOR)
    this.rejectedCursor = this.cursors.get(REJECTED_CURSOR)
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
    this.loop.start()
  }

  async stop(): Promise<void> {
    if (!this.loop.started) return
    for (const off of this.unsubscribe) off()
    this.unsubscribe = []
    // Let a batch in flight finish (so it need not be re-sent), but not for long: closing
    // the connection fails a query that hangs on a dead network.
    await this.loop.stop(STOP_GRACE_MS, () => void this.disconnect(), () => this.disconnect())
  }

  /** Forwards now instead of at the next poll. */
  wake(): void {
    this.loop.wake()
  }

  /** Resolves once every press stored so far is in PostgreSQL (for tests and tools). */
  async drained(timeoutMs = 60_000): Promise<void> {
    await this.loop.drained(timeoutMs)
  }

  status(): CentralStatus {
    const l = this.loop
    return {
      name: this.name,
      state: l.state,
      target: this.target,
      centre: this.opts.config.centre,
      connectedTo: this.connectedTo,
      backlog: this.backlog(),
      cursor: this.cursor,
      lastSuccessAt: l.lastSuccessAt,
      lastError: l.lastError,
      nextAttemptAt: l.nextAttempt(),
      consecutiveFailures: l.failures,
      pressesWritten: this.pressesWritten,
      pressesSent: this.pressesSent,
      errors: l.errors,
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

  private async run(): Promise<undefined> {
    const fresh = !this.client
    const client = await this.connect()
    if (!fresh) await this.checkSchema(client)
    if (this.registryDirty() || Date.now() - this.registrySentAt >= this.opts.config.registryEveryMs) await this.sendRegistry(client)
    while (this.loop.started && (await this.sendBatch(client)) > 0) this.loop.served()
    this.loop.recovered({ connectedTo: this.connectedTo }, 'central PostgreSQL accepts writes; forwarding')
    this.loop.lastSuccessAt ??= Date.now()
    this.loop.notifyIdle()
    return undefined
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
      await this.checkSchema(client)
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

  /**
   * Refuses (fatal) a schema this gateway may not write: older than its own version, or newer
   * and no longer accepting it (migrate.ts writeRefusal). Checked on connecting and before
   * each round of batches, so a breaking migration run while the gateway is connected stops
   * it before its next write.
   */
  private async checkSchema(client: pg.Client): Promise<void> {
    const refusal = await writeRefusal(client, this.opts.schemaVersion ?? CENTRAL_SCHEMA_VERSION)
    if (refusal) throw new CentralError(refusal, 'fatal')
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
      if (presses.count > 0) this.cursors!.save(PRESS_CURSOR, presses.lastId, now)
      if (rejected.count > 0) this.cursors!.save(REJECTED_CURSOR, rejected.lastId, now)
    })()
    if (presses.count > 0) this.cursor = presses.lastId
    if (rejected.count > 0) this.rejectedCursor = rejected.lastId
    this.pressesSent += presses.count
    this.pressesWritten += inserted
    this.loop.lastSuccessAt = now
    return presses.count + rejected.count
  }

  /** Records the failure, drops the connection, and returns the delay before the next try. */
  private async failed(err: unknown): Promise<number> {
    const e = classifyCentralError(err)
    this.loop.noteFailure(e.message, { code: e.code })
    await this.disconnect()
    if (e.kind === 'retry') return this.loop.retryLater('central PostgreSQL unreachable; presses stay in the outbox')
    return this.loop.refuse(
      { code: e.code },
      'central PostgreSQL REFUSED this gateway: forwarding stopped until central config or the database is fixed (the backlog is kept and sent then)',
    )
  }
}
