/**
 * The ingest pipeline (DESIGN.md, "Gateway"). Every message from a box goes through the same
 * steps, whether it came over MQTT (the broker calls `accept` from Aedes's `authorizePublish`,
 * the only hook that runs before the PUBACK) or in-process from a USB box (`submit`):
 *
 *   validate -> timestamp -> deduplicate -> attribute -> window -> judge rate -> rate window
 *                                                                      (per press, at once)
 *   persist -> acknowledge -> publish                                  (per group commit)
 *
 * Persist (group-writer.ts) puts every message that arrived in the same turn of the event
 * loop into one SQLite transaction; the write-ahead log is then fsynced off the main thread
 * (store/wal-sync.ts), and only then are the messages acknowledged, so a PUBACK always means
 * the press is on disk. A malformed message cannot be counted: it is kept with its reason in
 * `rejected` and acknowledged too (a resend would fail the same way). If the commit or the
 * fsync fails, nothing of the group is acknowledged: the boxes resend, and deduplication
 * keeps what did reach the disk single.
 */
import type { Statement } from 'better-sqlite3'
import { decode, RATINGS, type PressPayload, type Rating, type TopicKind } from '../protocol/index.ts'
import type { Attributor } from './attribution.ts'
import type { GatewayConfig } from './config.ts'
import type { GatewayBus, RejectedMessage, StoredPress } from './events.ts'
import type { Logger } from './log.ts'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import type { WalSync } from './store/wal-sync.ts'
import { GroupWriter, type Done, type Item } from './group-writer.ts'
import { PressRate } from './press-rate.ts'
import { judgeWindow } from './window-judge.ts'
import type { Windows } from './windows.ts'

export type { Done }

/** A press on its way through the per-press steps. */
interface PressContext {
  boxId: string
  raw: Buffer
  receivedAt: number
  /** The gateway's monotonic clock at receipt (press-rate.ts). */
  receivedMono: number
  press?: PressPayload
  /** (box, boot, seq), for deduplication within the group. */
  key?: string
  timeMs?: number
  officeId?: string | null
  counterId?: string | null
  officerId?: string | null
  repeat?: boolean
  burst?: boolean
  /** The rating window the press rates (window-judge.ts). */
  windowId?: string | null
  noWindow?: boolean
  /** Outside any window, in an office that does not count such presses. */
  uncounted?: boolean
}
type StepResult = { reject: string } | 'duplicate' | undefined | void
type Step = (this: Ingest, ctx: PressContext) => StepResult

export interface IngestStats {
  accepted: number
  duplicates: number
  rejected: number
  repeats: number
  bursts: number
  commits: number
  lastCommitSize: number
  commitFailures: number
  /** Messages a pipeline step could not handle (a store error): not acknowledged. */
  stepFailures: number
  /** Presses stored while the host clock was known bad (flagged clock_bad). */
  clockBad: number
}

export interface IngestDeps {
  db: Db
  bus: GatewayBus
  attributor: Attributor
  config: GatewayConfig['ingest']
  log: Logger
  now?: () => number
  /**
   * The monotonic clock of the cooldown and human rate (ms); default `performance.now()`.
   * A test clock given to the Gateway drives it too, so stepping it steps the cooldown.
   */
  monotonic?: () => number
  /**
   * Makes commits durable off the main thread (store/wal-sync.ts). Without it every commit
   * fsyncs in-line (`synchronous = FULL`): correct, and slower.
   */
  walSync?: WalSync
  /**
   * The clock guard's verdict: presses received while `bad()` are stored flagged, and kept
   * out of counts unless `countWhileBad` (config `clock.countWhileBad`).
   */
  clock?: { bad: () => boolean; countWhileBad: boolean }
  /** Rating windows (windows.ts); without them no press is judged against a window. */
  windows?: Windows
  /** The level ids of the deployment's rating scale (config ratingScale); default three levels. */
  levels?: readonly Rating[]
}

export class Ingest {
  readonly stats: IngestStats = { accepted: 0, duplicates: 0, rejected: 0, repeats: 0, bursts: 0, commits: 0, lastCommitSize: 0, commitFailures: 0, stepFailures: 0, clockBad: 0 }
  private pending: Item[] = []
  private readonly pendingKeys = new Set<string>()
  private flushScheduled = false
  /** Cooldown and human rate per box, on the monotonic clock. */
  private rate!: PressRate
  /** Monotonic time a burst of each box was last logged (one warning per episode). */
  private readonly burstLogged = new Map<string, number>()
  private stopped = false
  private writer!: GroupWriter
  private lastCountedSql!: Statement

  private static readonly pressSteps: Step[] = [
    function validate(ctx) {
      const r = decode('press', ctx.raw)
      // The protocol knows five levels; this deployment counts only those of its scale, and
      // says which (a box wired for another scale, or an unknown word, reads the same).
      const levels = this.deps.levels ?? RATINGS
      const notLevel = (got: string) => ({ reject: `/rating: must be one of ${levels.join(', ')}, the levels of this gateway's rating scale (got ${got})` })
      if (!r.ok) return r.error.field === '/rating' ? notLevel(/\(got (.*)\)$/.exec(r.error.problem)?.[1] ?? '?') : { reject: `${r.error.field}: ${r.error.problem}` }
      if (!levels.includes(r.value.rating)) return notLevel(JSON.stringify(r.value.rating))
      ctx.press = r.value
    },
    function timestamp(ctx) {
      const ageMs = ctx.press!.ageMs
      if (ageMs > this.deps.config.maxAgeMs) {
        return { reject: `/ageMs: ${ageMs} ms is beyond the maximum of ${this.deps.config.maxAgeMs} ms` }
      }
      ctx.timeMs = ctx.receivedAt - ageMs
      // A press cannot be dated after its receipt (ageMs >= 0); a guard for any path that
      // would date it otherwise, so a future time can never reach the store.
      const ahead = ctx.timeMs - ctx.receivedAt
      if (ahead > this.deps.config.maxFutureSkewMs) {
        return { reject: `/ageMs: the press would be dated ${ahead} ms in the future, beyond the allowed skew of ${this.deps.config.maxFutureSkewMs} ms` }
      }
    },
    function deduplicate(ctx) {
      // Within the group here; against what is already stored, the UNIQUE (box_id, boot, seq)
      // key does it at persist time (INSERT OR IGNORE), which costs less than a lookup first.
      const { boot, seq } = ctx.press!
      const key = `${ctx.boxId}\u0000${boot}\u0000${seq}`
      if (this.pendingKeys.has(key)) return 'duplicate'
      // Taken only once the press is queued for the commit (acceptPress): a step that fails
      // after this one must not leave a key that would acknowledge a resend never stored.
      ctx.key = key
    },
    function attribute(ctx) {
      const a = this.deps.attributor.attribute(ctx.boxId, ctx.timeMs!)
      ctx.officeId = a.officeId
      ctx.counterId = a.counterId
      ctx.officerId = a.officerId
    },
    function window(ctx) {
      const windows = this.deps.windows
      if (!windows) return
      const v = judgeWindow(windows, { windowId: ctx.press!.window, counterId: ctx.counterId!, officeId: ctx.officeId!, timeMs: ctx.timeMs! })
      if ('reject' in v) return { reject: v.reject }
      Object.assign(ctx, { windowId: v.windowId, noWindow: v.noWindow, uncounted: v.uncounted })
      if (v.officerId) ctx.officerId = v.officerId
    },
    function judgeRate(ctx) {
      // The gateway's cooldown always applies: a box's "repeat": false does not skip it.
      const pressMono = ctx.receivedMono - ctx.press!.ageMs
      const verdict = this.rate.judge(ctx.boxId, pressMono, ctx.press!.repeat === true || ctx.uncounted === true)
      ctx.repeat = verdict !== 'counted'
      ctx.burst = verdict === 'burst'
      if (ctx.burst) this.logBurst(ctx, pressMono)
    },
    function rateWindow(ctx) {
      // The first counted press in a window closes it; a repeat leaves it open.
      if (ctx.windowId && !ctx.repeat) this.deps.windows!.rated(ctx.windowId, ctx.timeMs!)
    },
  ]

  constructor(private readonly deps: IngestDeps) {}

  start(): void {
    this.lastCountedSql = sql(this.deps.db, 'SELECT MAX(time_ms) AS t FROM presses WHERE box_id = ? AND repeat = 0')
    this.rate = new PressRate(this.deps.config, (boxId) => this.lastCountedMono(boxId))
    this.writer = new GroupWriter({ db: this.deps.db, durableLater: !!this.deps.walSync, log: this.deps.log })
    this.writer.start()
    this.stopped = false
  }

  /** Commits what is pending and waits until it is on disk; later messages are refused (the boxes resend). */
  async stop(): Promise<void> {
    this.flush()
    this.stopped = true
    this.writer.stop()
    await this.deps.walSync?.drain()
  }

  /** Promise form for in-process callers (USB boxes): resolves once the message is committed. */
  submit(boxId: string, kind: TopicKind, payload: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.accept(boxId, kind, payload, (err) => (err ? reject(err) : resolve())))
  }

  /**
   * Takes one message of a box's own topic (the broker has checked the ACL). `done` is called
   * once the message is durably handled, or with an error if it could not be stored.
   */
  accept(boxId: string, kind: TopicKind, payload: Buffer, done: Done, topic = `${kind}`): void {
    if (this.stopped) return done(new Error('gateway is stopping'))
    try {
      if (this.pending.length === 0) this.beginGroup()
      const receivedAt = this.now()
      if (kind === 'press') this.acceptPress(boxId, payload, receivedAt, this.monotonic(), done, topic)
      else if (kind === 'invite' && this.deps.windows) this.acceptInvite(boxId, payload, receivedAt, done, topic)
      else if (kind === 'status') this.acceptStatus(boxId, payload, receivedAt, done, topic)
      else this.enqueue({ type: 'reject', boxId, topic, raw: payload, reason: `boxes may not publish ${kind} messages`, receivedAt, done })
    } catch (err) {
      // A store that fails under a step (a damaged page, a full disk, a locked file) must not
      // take the process down from inside Aedes's authorizePublish: the message is not
      // acknowledged, the box keeps it and resends, and the other boxes go on.
      this.stats.stepFailures++
      this.deps.log.error({ err, box: boxId }, 'a message could not be handled; not acknowledged, the box will resend')
      done(err as Error)
    }
  }

  /** A connection opened or closed: recorded with the next group commit. */
  connection(boxId: string, state: 'online' | 'offline'): void {
    if (this.stopped) return
    this.enqueue({ type: 'status', boxId, state, status: null, receivedAt: this.now(), done: noop })
  }

  private acceptPress(boxId: string, raw: Buffer, receivedAt: number, receivedMono: number, done: Done, topic: string): void {
    const ctx: PressContext = { boxId, raw, receivedAt, receivedMono }
    for (const step of Ingest.pressSteps) {
      const result = step.call(this, ctx)
      if (result === 'duplicate') {
        this.stats.duplicates++
        return this.enqueue({ type: 'ack', done })
      }
      if (result) {
        return this.enqueue({ type: 'reject', boxId, topic, raw, reason: `${step.name}: ${result.reject}`, receivedAt, done })
      }
    }
    this.pendingKeys.add(ctx.key!)
    const clockBad = this.deps.clock?.bad() === true
    this.enqueue({
      type: 'press',
      boxId,
      press: ctx.press!,
      receivedAt,
      timeMs: ctx.timeMs!,
      repeat: ctx.repeat! || (clockBad && !this.deps.clock!.countWhileBad),
      burst: ctx.burst!,
      clockBad,
      officeId: ctx.officeId!,
      counterId: ctx.counterId!,
      officerId: ctx.officerId!,
      windowId: ctx.windowId ?? null,
      noWindow: ctx.noWindow === true,
      done,
    })
  }

  /** The officer-side button: opens a window now and is acknowledged at once; bad input is kept like any reject. */
  private acceptInvite(boxId: string, raw: Buffer, receivedAt: number, done: Done, topic: string): void {
    const r = decode('invite', raw.length === 0 ? Buffer.from('{}') : raw)
    if (!r.ok) return this.enqueue({ type: 'reject', boxId, topic, raw, reason: `validate: ${r.error.field}: ${r.error.problem}`, receivedAt, done })
    try {
      this.deps.windows!.invite(boxId, r.value.ageMs ?? 0)
    } catch (err) {
      return this.enqueue({ type: 'reject', boxId, topic, raw, reason: `invite: ${(err as Error).message}`, receivedAt, done })
    }
    this.enqueue({ type: 'ack', done })
  }

  private acceptStatus(boxId: string, raw: Buffer, receivedAt: number, done: Done, topic: string): void {
    // An empty retained message clears the retained status (MQTT-3.3.1-10): nothing to record.
    if (raw.length === 0) return this.enqueue({ type: 'ack', done })
    const r = decode('status', raw)
    if (!r.ok) return this.enqueue({ type: 'reject', boxId, topic, raw, reason: `validate: ${r.error.field}: ${r.error.problem}`, receivedAt, done })
    this.enqueue({ type: 'status', boxId, state: r.value.state, status: r.value, receivedAt, done })
  }

  private enqueue(item: Item): void {
    this.pending.push(item)
    if (this.pending.length >= this.deps.config.maxBatch) {
      this.flush()
    } else if (!this.flushScheduled) {
      this.flushScheduled = true
      // Everything parsed in this turn of the event loop shares one commit.
      setImmediate(() => this.flush())
    }
  }

  /**
   * Once per group: if another process (the CLI) changed the registry since, the attribution
   * cache is dropped and everyone is told, so the first press of the group sees the change.
   */
  private beginGroup(): void {
    if (this.deps.attributor.checkExternalChanges()) this.deps.bus.emit('registryChanged', { kind: 'external' })
  }

  /** persist -> acknowledge -> publish, for everything pending. */
  flush(): void {
    this.flushScheduled = false
    const items = this.pending
    if (items.length === 0) return
    this.pending = []
    let stored: StoredPress[]
    let rejected: RejectedMessage[]
    try {
      ;({ stored, rejected } = this.writer.write(items))
    } catch (err) {
      // Nothing acknowledged: every box in the group resends. Forget the keys and cooldown
      // state that assumed these presses were stored.
      this.stats.commitFailures++
      this.pendingKeys.clear()
      this.rate.forget()
      this.deps.windows?.forgetRated(items.flatMap((i) => (i.type === 'press' && i.windowId && !i.repeat ? [i.windowId] : [])))
      this.deps.log.error({ err, messages: items.length }, 'commit failed; messages not acknowledged')
      for (const item of items) item.done(err as Error)
      return
    }
    this.pendingKeys.clear()
    this.stats.commits++
    this.stats.lastCommitSize = items.length
    this.stats.accepted += stored.length
    this.stats.repeats += stored.filter((p) => p.repeat && !p.burst).length
    this.stats.bursts += stored.filter((p) => p.burst).length
    this.stats.clockBad += stored.filter((p) => p.clockBad).length
    this.stats.rejected += rejected.length
    this.stats.duplicates += items.filter((i) => i.type === 'press').length - stored.length
    const walSync = this.deps.walSync
    if (!walSync) return this.acknowledge(items, stored, rejected, null)
    // Committed to the OS; acknowledged once the WAL is on disk (one fsync for many groups).
    walSync.sync().then(
      () => this.acknowledge(items, stored, rejected, null),
      (err: Error) => {
        this.stats.commitFailures++
        this.deps.log.error({ err, messages: items.length }, 'WAL fsync failed; messages not acknowledged')
        this.acknowledge(items, stored, rejected, err)
      },
    )
  }

  /** acknowledge -> publish. */
  private acknowledge(items: Item[], stored: StoredPress[], rejected: RejectedMessage[], err: Error | null): void {
    for (const item of items) item.done(err)
    for (const p of stored) this.deps.bus.emit('press', p)
    for (const r of rejected) this.deps.bus.emit('rejected', r)
    for (const item of items) {
      if (item.type === 'status') {
        this.deps.bus.emit('boxStatus', { boxId: item.boxId, state: item.state, at: item.receivedAt, status: item.status })
      }
    }
  }

  /**
   * The box's last counted press as stored, on the monotonic clock: its time clamped to now,
   * so a press stored while the clock ran ahead cannot silence the box until real time
   * catches up (it counts as pressed just now).
   */
  private lastCountedMono(boxId: string): number | undefined {
    const t = (this.lastCountedSql.get(boxId) as { t: number | null }).t
    if (t === null) return undefined
    const now = this.now()
    if (t > now + this.deps.config.maxFutureSkewMs) {
      this.deps.log.warn({ boxId, storedAt: new Date(t).toISOString(), now: new Date(now).toISOString() }, 'last counted press of the box is dated in the future (the clock once ran ahead); its cooldown starts now')
    }
    return this.monotonic() - (now - Math.min(t, now))
  }

  /** One warning per box and burst episode (bursts within a window of each other). */
  private logBurst(ctx: PressContext, pressMono: number): void {
    const last = this.burstLogged.get(ctx.boxId)
    this.burstLogged.set(ctx.boxId, pressMono)
    if (last !== undefined && Math.abs(pressMono - last) < this.deps.config.burst.windowMs) return
    const { presses, windowMs } = this.deps.config.burst
    this.deps.log.warn(
      { boxId: ctx.boxId, counterId: ctx.counterId, officerId: ctx.officerId, limit: `${presses} presses / ${windowMs} ms` },
      'presses beyond a human rate: stored as bursts, not counted',
    )
  }

  private monotonic(): number {
    return this.deps.monotonic ? this.deps.monotonic() : performance.now()
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now()
  }
}

function noop(): void {}
