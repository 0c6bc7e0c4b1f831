/**
 * The one wiring file of the gateway (model: zigbee2mqtt lib/controller.ts). It builds every
 * part and starts them in a fixed order — store -> registry import -> ingest -> broker ->
 * box configs -> optional parts (USB boxes, InfluxDB forwarder, HTTP) — and stops them in
 * reverse. An optional part that fails to start is logged with its reason and the rest runs.
 */
import { join } from 'node:path'
import type { Alerts } from './alerts/alerts.ts'
import { Attributor } from './attribution.ts'
import type { SystemAlert } from './alerts/conditions.ts'
import type { BackupSchedule } from './backup-schedule.ts'
import { systemClock, type Clock } from './clock.ts'
import { Broker } from './broker.ts'
import { ratingScale, type GatewayConfig } from './config.ts'
import { checkScaleAgainstStore } from './rating-scale.ts'
import { ConfigPublisher } from './config-publisher.ts'
import { recordConnectionReject } from './connection-rejects.ts'
import { EventBus, type GatewayBus, type GatewayEvents } from './events.ts'
import { Ingest, type IngestStats } from './ingest.ts'
import type { MetricSample } from './metrics.ts'
import type { Logger } from './log.ts'
import type { HttpService } from './http/server.ts'
import { Registry } from './registry.ts'
import { importRegistry, type ImportResult } from './registry-import.ts'
import { Checkpointer } from './store/checkpointer.ts'
import { openDatabase, ping, type Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import { claimDataDir } from './store/data-dir.ts'
import { DiskSpace } from './store/disk-space.ts'
import { checkIntegrity, DamagedDatabaseError, integrityAtStart, type IntegrityResult } from './store/integrity.ts'
import { ClockGuard, type SyncState } from './clock-guard.ts'
import { WalSync } from './store/wal-sync.ts'
import { Windows } from './windows.ts'
import { WindowApps } from './window-apps.ts'
import { IntegrationTokens } from './integration-tokens.ts'

/** A part with a life cycle. Optional parts may fail to start without stopping the gateway. */
export interface Part {
  readonly name: string
  start(): Promise<void> | void
  stop(): Promise<void> | void
  /** What /api/health shows of this part (never a secret). */
  status?(): unknown
  /** Prometheus samples for /metrics. */
  metrics?(): MetricSample[]
}

export interface GatewayOptions {
  config: GatewayConfig
  log: Logger
  /** The one clock of every part (clock.ts); tests freeze or step it. Defaults to the system's. */
  now?: Clock
  /** How the clock guard asks whether the host clock is synchronised (tests; default: the host). */
  readClockSync?: () => Promise<SyncState>
  /**
   * The monotonic clock the guard holds the wall clock against (default performance.now).
   * A test that drives `now` for other reasons passes the same clock, so it sees no step.
   */
  monotonic?: () => number
  /**
   * Called when the gateway can no longer keep its promise (a WAL fsync failed): nothing more
   * is acknowledged; `chamdiem gateway` then exits so systemd restarts it on what is on disk.
   */
  onFatal?: (err: Error) => void
  /**
   * The integrity check at start (default: store/integrity.ts, quick_check in a worker).
   * Tests hold the real check back to end it at a chosen moment of the start.
   */
  checkIntegrity?: (file: string) => Promise<IntegrityResult>
}

export interface PartState {
  name: string
  state: 'running' | 'failed' | 'stopped'
  error?: string
  status?: unknown
}

export interface GatewayHealth {
  ok: boolean
  store: boolean
  parts: PartState[]
  ingest: IngestStats
  connectedBoxes: number
}

export class Gateway {
  readonly config: GatewayConfig
  readonly log: Logger
  readonly bus: GatewayBus
  /** The clock that dates presses, duty, moves and imports alike. */
  readonly now: Clock
  db!: Db
  registry!: Registry
  attributor!: Attributor
  ingest!: Ingest
  broker!: Broker
  configPublisher!: ConfigPublisher
  /** Rating windows per counter (issue 13). */
  windows!: Windows
  /** Tokens of queue systems, counter apps and BI tools (HTTP and MQTT). */
  tokens!: IntegrationTokens
  clockGuard!: ClockGuard
  diskSpace!: DiskSpace
  /** What the first start created and must be shown once (box secrets, first admin). */
  readonly notices: { newBoxSecrets: ImportResult['newSecrets']; firstAdmin?: { username: string; password: string } } = { newBoxSecrets: [] }
  readonly parts: PartState[] = []
  /** The dashboard's URL once the HTTP part runs. */
  httpUrl: string | null = null
  /** The HTTP part and its Alerts once running (parts.ts); tests reach the app for `inject()`. */
  http: HttpService | null = null
  alerts: Alerts | null = null
  private readonly running: Part[] = []
  private externalChanges?: NodeJS.Timeout
  private walSync?: WalSync
  private releaseDataDir?: () => void
  /** Set once the store can no longer be trusted; a start still under way then refuses. */
  private fatalError?: Error
  private readonly optional: Array<{ name: string; build: () => Promise<Part | null> }> = []

  constructor(private readonly options: GatewayOptions) {
    this.config = options.config
    this.log = options.log
    this.now = options.now ?? systemClock
    this.bus = new EventBus<GatewayEvents>(options.log.child({ area: 'bus' }))
  }

  get dbFile(): string {
    return join(this.config.dataDir, 'chamdiem.db')
  }

  get mqttPort(): number {
    return this.broker.port
  }

  get wsPort(): number | null {
    return this.broker.wsPort
  }

  get httpPort(): number | null {
    return this.httpUrl ? Number(new URL(this.httpUrl).port) : null
  }

  /**
   * Registers an optional part, started after the core in registration order. Used for the
   * USB boxes, the InfluxDB forwarder and the HTTP server, and by tools that embed a gateway.
   */
  addOptionalPart(name: string, build: () => Promise<Part | null>): void {
    this.optional.push({ name, build })
  }

  /** Starts every part in order; if a core part fails, what already runs is stopped again. */
  async start(): Promise<void> {
    try {
      await this.startParts()
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  private async startParts(): Promise<void> {
    const { config, log } = this
    this.releaseDataDir = claimDataDir(config.dataDir)
    this.db = openDatabase(this.dbFile)
    const check = await integrityAtStart(
      (this.options.checkIntegrity ?? checkIntegrity)(this.dbFile),
      config.storage.startCheckWaitMs,
      (problem) => this.fatal(new DamagedDatabaseError(this.dbFile, problem)),
      this.dbFile,
    )
    if (check === 'still running') log.warn({ waitMs: config.storage.startCheckWaitMs }, 'the integrity check of a large database goes on in the background')
    // Whatever was connected when the last run ended is not connected now.
    sql(this.db, "UPDATE boxes SET last_state = 'offline' WHERE last_state = 'online'").run()
    checkScaleAgainstStore(this.db, ratingScale(config), log, this.now())
    this.registry = new Registry({ db: this.db, bus: this.bus, timezone: config.timezone, now: this.now })
    if (config.registry) {
      const imported = importRegistry(this.registry, this.db, config.registry)
      this.notices.newBoxSecrets = imported.newSecrets
      for (const warning of imported.warnings) log.warn({ area: 'registry' }, warning)
    }
    this.attributor = new Attributor(this.db, config.timezone)
    this.bus.on('registryChanged', 'attribution-cache', () => this.attributor.invalidate())
    // Changes made by another process (the CLI) reach the boxes' config within a second
    // even when no press arrives to notice them.
    this.externalChanges = setInterval(() => {
      if (this.attributor.checkExternalChanges()) this.bus.emit('registryChanged', { kind: 'external' })
    }, 1000)
    this.externalChanges.unref()
    const checkpointer = new Checkpointer({ db: this.db, file: this.dbFile, log: log.child({ area: 'store' }), walMaxBytes: config.storage.walMaxMB * 1048576 })
    await this.startPart({ name: 'checkpointer', start: () => checkpointer.start(), stop: () => checkpointer.stop(), status: () => ({ ...checkpointer.stats }) })
    this.diskSpace = new DiskSpace({ dir: config.dataDir, minFreeBytes: config.storage.minFreeMB * 1048576, log: log.child({ area: 'store' }), checkpoints: checkpointer.stats })
    await this.startPart(this.diskSpace)
    const newestPress = sql(this.db, 'SELECT received_at FROM presses ORDER BY id DESC LIMIT 1', { pluck: true })
    this.clockGuard = new ClockGuard({
      dataDir: config.dataDir,
      now: this.now,
      log: log.child({ area: 'clock' }),
      lastStoredAt: () => (newestPress.get() as number | undefined) ?? null,
      readSync: this.options.readClockSync,
      monotonic: this.options.monotonic,
    })
    await this.startPart(this.clockGuard)
    this.walSync = new WalSync(`${this.dbFile}-wal`, (err) => this.fatal(err))
    this.tokens = new IntegrationTokens(this.db, this.registry, this.now)
    // Rating windows: judged by ingest, announced on the boxes' window topics once the broker runs.
    this.windows = new Windows({ db: this.db, registry: this.registry, attributor: this.attributor, bus: this.bus, publish: (topic, payload, opts) => this.broker.publish(topic, payload, opts), config: config.windows, log: log.child({ area: 'windows' }), now: this.now })
    this.ingest = new Ingest({
      db: this.db,
      bus: this.bus,
      attributor: this.attributor,
      config: config.ingest,
      log: log.child({ area: 'ingest' }),
      now: this.now,
      // A test clock drives the cooldown too; the system clock does not (it can jump).
      monotonic: this.now === systemClock ? undefined : this.now,
      walSync: this.walSync,
      clock: { bad: () => this.clockGuard.bad(), countWhileBad: config.clock.countWhileBad },
      windows: this.windows,
      levels: ratingScale(config).map((l) => l.id),
    })
    await this.startPart({ name: 'ingest', start: () => this.ingest.start(), stop: () => this.ingest.stop() })
    this.broker = new Broker({
      config: config.mqtt,
      registry: this.registry,
      ingest: this.ingest,
      log: log.child({ area: 'broker' }),
      recordRejected: (r) => recordConnectionReject({ db: this.db, bus: this.bus, now: this.now }, r),
      now: this.now,
      apps: new WindowApps({ tokens: this.tokens, windows: this.windows, publish: (topic, payload, opts) => this.broker.publish(topic, payload, opts), log: log.child({ area: 'windows' }) }),
    })
    await this.startPart({ name: 'broker', start: () => this.broker.start(), stop: () => this.broker.stop(), metrics: () => this.broker.metrics() })
    await this.startPart(this.windows)
    this.configPublisher = new ConfigPublisher({
      db: this.db,
      registry: this.registry,
      attributor: this.attributor,
      bus: this.bus,
      publish: (topic, payload, opts) => this.broker.publish(topic, payload, opts),
      connected: (boxId) => this.broker.isConnected(boxId),
      config: config.ingest,
      log: log.child({ area: 'config' }),
      now: this.now,
    })
    this.broker.serveRetained(this.configPublisher)
    await this.startPart({ name: 'box-config', start: () => this.configPublisher.start(), stop: () => this.configPublisher.stop() })
    for (const { name, build } of this.optional) {
      try {
        const part = await build()
        if (part) await this.startPart(part)
      } catch (err) {
        this.parts.push({ name, state: 'failed', error: (err as Error).message })
        log.error({ err, part: name }, `${name} failed to start; the gateway runs without it`)
      }
    }
  }

  /**
   * What /api/health and /metrics report of the core: each part's state, the ingest counters,
   * connected boxes and whether the store answers. `ok` is false when a core part is down.
   */
  health(): GatewayHealth {
    let store = true
    try {
      ping(this.db)
    } catch {
      store = false
    }
    const core = ['ingest', 'broker']
    const ok = store && core.every((name) => this.parts.find((p) => p.name === name)?.state === 'running')
    return {
      ok,
      store,
      parts: this.parts.map((p) => {
        const status = this.running.find((r) => r.name === p.name)?.status?.()
        return status === undefined ? { ...p } : { ...p, status }
      }),
      ingest: { ...this.ingest.stats },
      connectedBoxes: this.broker?.connectedBoxes() ?? 0,
    }
  }

  /** Prometheus samples of the core and every running part. */
  metrics(): MetricSample[] {
    const s = this.ingest.stats
    const counter = (name: string, help: string, value: number): MetricSample => ({ name, help, type: 'counter', value })
    return [
      counter('chamdiem_ingest_accepted_total', 'Presses stored since start', s.accepted),
      counter('chamdiem_ingest_duplicates_total', 'Retransmissions recognised and not stored again', s.duplicates),
      counter('chamdiem_ingest_rejected_total', 'Messages kept in the rejected table since start', s.rejected),
      counter('chamdiem_ingest_repeats_total', 'Presses within the cooldown since start', s.repeats),
      counter('chamdiem_ingest_bursts_total', 'Presses beyond the human rate since start (not counted)', s.bursts),
      counter('chamdiem_ingest_commits_total', 'Group commits to SQLite', s.commits),
      counter('chamdiem_ingest_commit_failures_total', 'Group commits that failed (nothing acknowledged)', s.commitFailures),
      counter('chamdiem_ingest_clock_bad_total', 'Presses stored while the host clock was known bad (flagged; counted unless clock.countWhileBad is false)', s.clockBad),
      counter('chamdiem_ingest_step_failures_total', 'Messages a pipeline step could not handle (a store error): not acknowledged, resent by the box', s.stepFailures),
      { name: 'chamdiem_ingest_last_commit_size', help: 'Messages in the last group commit', type: 'gauge', value: s.lastCommitSize },
      { name: 'chamdiem_mqtt_connected_boxes', help: 'Boxes with an open MQTT connection', type: 'gauge', value: this.broker?.connectedBoxes() ?? 0 },
      ...this.running.flatMap((p) => p.metrics?.() ?? []),
    ]
  }

  async stop(): Promise<void> {
    clearInterval(this.externalChanges)
    // Reverse order: HTTP and forwarder first, then the broker, then a final commit, then the store.
    while (this.running.length > 0) {
      const part = this.running.pop()!
      try {
        await part.stop()
      } catch (err) {
        this.log.error({ err, part: part.name }, 'stopping failed')
      }
      const state = this.parts.find((p) => p.name === part.name)
      if (state) state.state = 'stopped'
    }
    this.walSync?.close()
    if (this.db?.open) this.db.close()
    this.releaseDataDir?.()
  }

  /** The gateway's own conditions that put every figure at risk, for the dashboard's alerts. */
  systemAlerts(): SystemAlert[] {
    return [...(this.clockGuard?.alerts() ?? []), ...(this.diskSpace?.alerts() ?? []), ...(this.part<BackupSchedule>('backup')?.alerts() ?? [])]
  }

  /** A running part by name (tools and tests that act on one, e.g. a backup now). */
  part<T extends Part>(name: string): T | undefined {
    return this.running.find((p) => p.name === name) as T | undefined
  }

  /** The store can no longer be trusted: ingest is marked failed (health: down), then onFatal. */
  private fatal(err: Error): void {
    this.fatalError ??= err
    this.log.fatal({ err }, err.message)
    const ingest = this.parts.find((p) => p.name === 'ingest')
    if (ingest) Object.assign(ingest, { state: 'failed', error: err.message })
    // No box may get another PUBACK: close the broker (boxes keep their presses and resend
    // to the restarted gateway).
    this.broker?.stop().catch((e) => this.log.error({ err: e }, 'closing the broker failed'))
    this.options.onFatal?.(err)
  }

  private async startPart(part: Part): Promise<void> {
    // Damage found by the background check while the parts were still starting (before
    // ingest and the broker existed to be marked and closed): the start refuses instead.
    if (this.fatalError) throw this.fatalError
    await part.start()
    this.running.push(part)
    this.parts.push({ name: part.name, state: 'running' })
    if (this.fatalError) throw this.fatalError
  }
}
