/**
 * Rating windows (issue 13): a window per counter, opened when a citizen has been served (by a
 * queue system over HTTP, a counter app over MQTT, the dashboard or the officer's button on
 * the box) with an optional case reference and the officer who served. It closes at the first
 * counted press at its counter, after its time (then it was not rated), or when the next
 * window opens there. Every box at the counter is told on its retained `window` topic, so a
 * box that reconnects gets the current state.
 *
 * Whether a window was rated is not kept here: it was rated when a counted press carries its
 * id (presses.window_id), so a press whose commit failed never makes a window look rated.
 * The ingest pipeline asks `judge` for every press (window-judge.ts) and tells `rated` of a
 * counted one.
 */
import { randomBytes } from 'node:crypto'
import { encode, isName, windowTopic, type WindowPayload } from '../protocol/index.ts'
import type { Attributor } from './attribution.ts'
import { systemClock, type Clock } from './clock.ts'
import type { GatewayConfig } from './config.ts'
import type { GatewayBus } from './events.ts'
import type { Logger } from './log.ts'
import { ConflictError, NotFoundError, RegistryError } from './registry-errors.ts'
import type { Registry } from './registry.ts'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'

export type CloseReason = 'rated' | 'timeout' | 'superseded' | 'closed'

export interface WindowRecord {
  id: string
  officeId: string
  counterId: string
  officerId: string | null
  reference: string | null
  openedAt: number
  expiresAt: number
  closedAt: number | null
  closeReason: CloseReason | null
  /** Who opened it: `token:<id>`, `app:<id>`, `user:<name>`, `box:<id>`. */
  openedBy: string
}

export interface OpenRequest {
  counterId: string
  reference?: string | null
  officerId?: string | null
  timeoutMs?: number
  by: string
  /** The office the opener may act in (a token's or a head's); null = any (admin). */
  officeScope?: string | null
}

export interface WindowsDeps {
  db: Db
  registry: Registry
  attributor: Attributor
  bus: GatewayBus
  publish: (topic: string, payload: Buffer, opts: { retain: boolean }) => Promise<void>
  config: GatewayConfig['windows']
  log: Logger
  now?: Clock
}

/** How often windows past their time are closed (each also has its own timer). */
const SWEEP_MS = 500
/** Ids of windows rated lately, so two presses of one group cannot both rate a window. */
const RATED_MEMORY = 10_000

const COLUMNS = `id, office_id AS officeId, counter_id AS counterId, officer_id AS officerId, reference,
  opened_at AS openedAt, expires_at AS expiresAt, closed_at AS closedAt, close_reason AS closeReason, opened_by AS openedBy`

export class Windows {
  readonly name = 'windows'
  /** The open window of each counter. */
  private readonly open = new Map<string, WindowRecord>()
  private readonly ratedIds = new Set<string>()
  private readonly watchers = new Map<string, Set<(payload: Buffer) => void>>()
  private readonly now: Clock
  private timer?: NodeJS.Timeout
  private unsubscribe?: () => void
  readonly counts = { opened: 0, rated: 0, timedOut: 0, superseded: 0 }

  constructor(private readonly deps: WindowsDeps) {
    this.now = deps.now ?? systemClock
  }

  start(): void {
    const rows = sql(this.deps.db, `SELECT ${COLUMNS} FROM windows WHERE closed_at IS NULL`).all() as WindowRecord[]
    for (const w of rows) this.open.set(w.counterId, w)
    this.expire()
    for (const w of this.open.values()) this.announce(w.counterId)
    this.timer = setInterval(() => this.expire(), SWEEP_MS)
    this.timer.unref()
    // A box moved to another counter shows that counter's window.
    this.unsubscribe = this.deps.bus.on('registryChanged', 'windows', (change) => {
      if (change.boxId) this.publishBox(change.boxId)
    })
  }

  stop(): void {
    clearInterval(this.timer)
    this.unsubscribe?.()
  }

  status(): unknown {
    return { open: this.open.size, ...this.counts }
  }

  /** Opens a window at a counter; the counter's open window, if any, is closed as superseded. */
  openWindow(req: OpenRequest): WindowRecord {
    const { registry } = this.deps
    const counter = registry.counter(req.counterId)
    if (!counter) throw new NotFoundError(`no counter ${JSON.stringify(req.counterId)}`)
    if (req.officeScope && counter.officeId !== req.officeScope) throw new ForbiddenError(`counter ${req.counterId} is not in office ${req.officeScope}`)
    const now = this.now()
    let officerId = req.officerId ?? null
    if (officerId) {
      const officer = registry.officer(officerId)
      if (!officer) throw new NotFoundError(`no officer ${JSON.stringify(officerId)}`)
      if (officer.officeId !== counter.officeId) throw new RegistryError(`officer ${officerId} is not of the counter's office ${counter.officeId}`)
    } else officerId = this.deps.attributor.officerAt(counter.id, now)
    if (req.reference != null && !(isName(req.reference) && req.reference.length <= 64)) throw new RegistryError('reference must be 1-64 characters, no control characters')
    const timeoutMs = req.timeoutMs ?? this.deps.config.timeoutMs
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 600_000) throw new RegistryError('timeoutMs must be an integer from 1000 to 600000')
    const current = this.open.get(counter.id)
    if (current) this.closeWindow(current, 'superseded', now, false)
    const w: WindowRecord = {
      id: randomBytes(9).toString('base64url'),
      officeId: counter.officeId,
      counterId: counter.id,
      officerId,
      reference: req.reference ?? null,
      openedAt: now,
      expiresAt: now + timeoutMs,
      closedAt: null,
      closeReason: null,
      openedBy: req.by,
    }
    sql(this.deps.db, 'INSERT INTO windows (id, office_id, counter_id, officer_id, reference, opened_at, expires_at, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      w.id, w.officeId, w.counterId, w.officerId, w.reference, w.openedAt, w.expiresAt, w.openedBy,
    )
    this.open.set(counter.id, w)
    this.counts.opened++
    this.deps.log.info({ window: w.id, counter: w.counterId, officer: w.officerId, reference: w.reference, by: w.openedBy, timeoutMs }, 'rating window opened')
    this.announce(counter.id)
    setTimeout(() => this.expire(), timeoutMs + 5).unref()
    return { ...w }
  }

  /** Closes a window by hand (the queue system cancelled the ticket). */
  closeById(id: string, officeScope: string | null): WindowRecord {
    const w = this.get(id)
    if (!w) throw new NotFoundError(`no window ${JSON.stringify(id)}`)
    if (officeScope && w.officeId !== officeScope) throw new ForbiddenError('that window is not of your office')
    const open = this.open.get(w.counterId)
    if (!open || open.id !== id) throw new ConflictError(`window ${id} is already closed (${w.closeReason})`)
    this.closeWindow(open, 'closed', this.now(), true)
    return this.get(id)!
  }

  get(id: string): WindowRecord | undefined {
    return sql(this.deps.db, `SELECT ${COLUMNS} FROM windows WHERE id = ?`).get(id) as WindowRecord | undefined
  }

  /** The window open at a counter now, if any. */
  openAt(counterId: string): WindowRecord | undefined {
    const w = this.open.get(counterId)
    return w && w.expiresAt > this.now() ? { ...w } : undefined
  }

  list(q: { officeId?: string | null; counterId?: string; fromMs?: number; toMs?: number; limit?: number }): Array<WindowRecord & { rated: boolean }> {
    return sql(
      this.deps.db,
      `SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM presses p WHERE p.window_id = w.id AND p.repeat = 0) AS rated FROM windows w
        WHERE (@office IS NULL OR office_id = @office) AND (@counter IS NULL OR counter_id = @counter) AND opened_at >= @fromMs AND opened_at < @toMs
        ORDER BY opened_at DESC LIMIT @limit`,
    )
      .all({ office: q.officeId ?? null, counter: q.counterId ?? null, fromMs: q.fromMs ?? 0, toMs: q.toMs ?? Number.MAX_SAFE_INTEGER, limit: q.limit ?? 100 })
      .map((r) => ({ ...(r as WindowRecord), rated: !!(r as { rated: number }).rated }))
  }

  officerName(officerId: string): string | null {
    return this.deps.registry.officer(officerId)?.name ?? null
  }

  /** A counted press rated window `id` (ingest, once the press is judged counted). */
  rated(id: string, atMs: number): void {
    this.ratedIds.add(id)
    if (this.ratedIds.size > RATED_MEMORY) this.ratedIds.delete(this.ratedIds.values().next().value!)
    this.counts.rated++
    const open = [...this.open.values()].find((w) => w.id === id)
    if (open) this.closeWindow(open, 'rated', Math.max(atMs, open.openedAt), true)
  }

  /** A commit failed: the presses that rated these windows were not stored, so their resends may. */
  forgetRated(ids: string[]): void {
    for (const id of ids) this.ratedIds.delete(id)
  }

  /** True when a counted press already rated the window (in memory or in the store). */
  isRated(id: string): boolean {
    if (this.ratedIds.has(id)) return true
    return !!sql(this.deps.db, 'SELECT 1 FROM presses WHERE window_id = ? AND repeat = 0 LIMIT 1', { pluck: true }).get(id)
  }

  /** The window that was open at a counter at `timeMs` and not rated yet, from memory (the hot path). */
  openWindowAt(counterId: string, timeMs: number): WindowRecord | undefined {
    const w = this.open.get(counterId)
    if (!w || timeMs < w.openedAt || timeMs > w.expiresAt || this.ratedIds.has(w.id)) return undefined
    return w
  }

  /** Whether presses outside any window count in this office (windows.offices, else windows.noWindowCounts). */
  noWindowCounts(officeId: string | null): boolean {
    const own = officeId ? this.deps.config.offices[officeId]?.noWindowCounts : undefined
    return own ?? this.deps.config.noWindowCounts
  }

  /** The officer-side button of a box asked for a window (invite topic). */
  invite(boxId: string, ageMs: number): WindowRecord | null {
    const log = this.deps.log
    if (ageMs > this.deps.config.inviteMaxAgeMs) {
      log.info({ box: boxId, ageMs }, 'window request from the officer’s button ignored: it waited too long in the box’s queue')
      return null
    }
    const counterId = this.deps.registry.counterOfBox(boxId, this.now())
    if (!counterId) {
      log.warn({ box: boxId }, 'window request from the officer’s button ignored: the box stands at no counter')
      return null
    }
    return this.openWindow({ counterId, by: `box:${boxId}` })
  }

  /**
   * In-process boxes (USB): `onWindow` gets the box's window state now and at every change,
   * exactly what its retained topic would carry. Returns the unsubscribe.
   */
  watch(boxId: string, onWindow: (payload: Buffer) => void): () => void {
    const set = this.watchers.get(boxId) ?? new Set()
    set.add(onWindow)
    this.watchers.set(boxId, set)
    onWindow(encode('window', this.payloadFor(boxId)))
    return () => set.delete(onWindow)
  }

  /** Closes every window past its time: recorded as timed out (not rated unless a press carries its id). */
  expire(): void {
    const now = this.now()
    for (const w of [...this.open.values()]) if (w.expiresAt <= now) this.closeWindow(w, 'timeout', w.expiresAt, true)
  }

  private closeWindow(w: WindowRecord, reason: CloseReason, at: number, announce: boolean): void {
    if (this.open.get(w.counterId)?.id === w.id) this.open.delete(w.counterId)
    sql(this.deps.db, 'UPDATE windows SET closed_at = ?, close_reason = ? WHERE id = ? AND closed_at IS NULL').run(at, reason, w.id)
    if (reason === 'timeout') this.counts.timedOut++
    if (reason === 'superseded') this.counts.superseded++
    this.deps.log.info({ window: w.id, counter: w.counterId, reason }, 'rating window closed')
    if (announce) this.announce(w.counterId, w.id)
  }

  /** Tells every box at the counter the counter's window state. */
  private announce(counterId: string, closedId: string | null = null): void {
    const boxes = sql(this.deps.db, 'SELECT box_id FROM box_assignments WHERE counter_id = ? AND to_ms IS NULL', { pluck: true }).all(counterId) as string[]
    for (const boxId of boxes) this.publishBox(boxId, closedId)
  }

  private payloadFor(boxId: string, closedId: string | null = null): WindowPayload {
    const counterId = this.deps.registry.counterOfBox(boxId, this.now())
    const w = counterId ? this.open.get(counterId) : undefined
    if (!w) return { open: false, id: closedId, reference: null, officer: null, timeoutMs: null, expiresAt: null }
    const officer = w.officerId ? (this.deps.registry.officer(w.officerId)?.name ?? null) : null
    return { open: true, id: w.id, reference: w.reference, officer, timeoutMs: w.expiresAt - w.openedAt, expiresAt: w.expiresAt }
  }

  private publishBox(boxId: string, closedId: string | null = null): void {
    let bytes: Buffer
    try {
      bytes = encode('window', this.payloadFor(boxId, closedId))
    } catch (err) {
      this.deps.log.error({ err, box: boxId }, 'window state could not be encoded')
      return
    }
    for (const fn of this.watchers.get(boxId) ?? []) fn(bytes)
    this.deps.publish(windowTopic(boxId), bytes, { retain: true }).catch((err: Error) => this.deps.log.warn({ err, box: boxId }, 'publishing the window state failed'))
  }
}

/** 403: the opener may not act at that counter (another office). */
export class ForbiddenError extends RegistryError {
  override readonly statusCode = 403
}
