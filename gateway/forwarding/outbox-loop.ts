/**
 * The loop every forwarder runs over the SQLite outbox (influx/forwarder.ts,
 * central/forwarder.ts): what is common to shipping presses anywhere, so each forwarder says
 * only how it reads, sends and classifies.
 *
 * - One run at a time, on a timer: `flushIntervalMs` after a run that emptied the outbox,
 *   at once after a wake() (a new press) that came during a run, the backoff after a
 *   failure, `recheckMs` while refused.
 * - Failures: `retryLater` (exponential backoff with jitter, at least what the server asked
 *   for), or `refuse` (state 'stopped': a loud error once, then a quiet retry every
 *   recheckMs; the backlog is kept). `recovered` logs the way back to 'ok' once.
 * - stop() lets a run in flight finish for a grace period (so its batch need not be
 *   re-sent), then cuts it short (abort), closes, and wakes whoever waits in drained().
 * - Cursors (`forwarder_cursors`): moved only after the destination has the rows, in their
 *   own SQLite commit; a crash in between re-sends the batch, which the destination takes
 *   as a no-op (same points in InfluxDB; ON CONFLICT DO NOTHING in PostgreSQL).
 */
import type { Logger } from 'pino'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'

/** 'connecting': not yet reached (central only); 'ok': forwarding or caught up; 'retrying': backing off; 'stopped': refused until fixed. */
export type OutboxState = 'connecting' | 'ok' | 'retrying' | 'stopped'

export interface OutboxTiming {
  flushIntervalMs: number
  minBackoffMs: number
  maxBackoffMs: number
  recheckMs: number
}

export interface OutboxLoopOptions {
  log: Logger
  timing: OutboxTiming
  /** The destination without secrets, for logs. */
  target: string
  initialState: 'connecting' | 'ok'
  /** States in which wake() runs the loop at once (in the others, the next try waits its turn). */
  wakeIn: OutboxState[]
  /** drained() rejects at once while refused, instead of waiting for the timeout. */
  drainedRejectsWhenStopped: boolean
  /** Prefix of drained()'s errors, e.g. 'central '. */
  label: string
  /** One run: sends until the outbox is empty or a send fails; resolves to the delay before the next run (flushIntervalMs when undefined). */
  run(): Promise<number | undefined>
  /** What a run threw (not already turned into a delay by run()): the delay before the next run. */
  failed(err: unknown): Promise<number>
  /** Presses not yet at the destination. */
  backlog(): number
  /** Other work drained() waits for (a registry change not yet sent). */
  dirty?(): boolean
}

export class OutboxLoop<E extends object = object> {
  started = false
  state: OutboxState
  lastSuccessAt: number | null = null
  lastError: ({ message: string; at: number } & E) | null = null
  nextAttemptAt: number | null = null
  /** Consecutive failures (0 once a send succeeds). */
  failures = 0
  /** Failed attempts since start. */
  errors = 0
  private running = false
  private wakeWhileRunning = false
  private loop: Promise<void> | null = null
  private timer: NodeJS.Timeout | null = null
  private idleWaiters: Array<() => void> = []

  constructor(private readonly opts: OutboxLoopOptions) {
    this.state = opts.initialState
  }

  start(): void {
    this.started = true
    this.schedule(0)
  }

  /**
   * Stops the loop: a run in flight has `graceMs` to finish, then `abort` cuts it short;
   * `close` releases the connection; then drained() waiters are told.
   */
  async stop(graceMs: number, abort: () => void, close: () => Promise<void>): Promise<void> {
    this.started = false
    this.clearTimer()
    if (this.loop) {
      const grace = setTimeout(abort, graceMs)
      await this.loop
      clearTimeout(grace)
    }
    await close()
    this.notifyIdle()
  }

  /** Runs now instead of at the next poll (a new press), in the states of `wakeIn`. */
  wake(): void {
    if (!this.started || !this.opts.wakeIn.includes(this.state)) return
    this.retryNow()
  }

  /** Runs now, also while backing off or refused (an admin's "retry now"). */
  retryNow(): void {
    if (!this.started) return
    if (this.running) this.wakeWhileRunning = true
    else this.schedule(0)
  }

  /** A run calls this after each batch: a wake() so far is served by the run itself. */
  served(): void {
    this.wakeWhileRunning = false
  }

  /** Wakes drained() (the outbox was found empty). */
  notifyIdle(): void {
    for (const w of [...this.idleWaiters]) w()
  }

  /**
   * Resolves once every press stored so far is at the destination (and nothing is dirty);
   * rejects when the loop is stopped first, or after `timeoutMs` (for tests, benchmarks, tools).
   */
  async drained(timeoutMs: number): Promise<void> {
    const { label } = this.opts
    const deadline = Date.now() + timeoutMs
    while (this.opts.backlog() > 0 || this.opts.dirty?.()) {
      if (!this.started) throw new Error(`${label}forwarder stopped before the backlog drained`)
      if (this.opts.drainedRejectsWhenStopped && this.state === 'stopped') throw new Error(`${label}forwarder refused: ${this.lastError?.message}`)
      if (Date.now() > deadline) throw new Error(`${label}backlog of ${this.opts.backlog()} presses not drained after ${timeoutMs} ms`)
      // Woken when a run finds the outbox empty, or checks again after 50 ms.
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

  /** When the next attempt is due, while retrying or refused (null while ok). */
  nextAttempt(): number | null {
    return this.state === 'ok' ? null : this.nextAttemptAt
  }

  /** A send succeeded: back to 'ok' (logging the recovery once, with `fields`). */
  recovered(fields: Record<string, unknown>, message: string): void {
    if (this.state !== 'ok') this.opts.log.info({ target: this.opts.target, ...fields, after: this.failures, backlog: this.opts.backlog() }, message)
    this.state = 'ok'
    this.failures = 0
  }

  /** Counts a failed attempt. */
  noteFailure(message: string, details: E): void {
    this.errors++
    this.failures++
    this.lastError = { message, ...details, at: Date.now() } as { message: string; at: number } & E
  }

  /** After noteFailure: back off and try again; resolves to the delay. */
  retryLater(message: string, retryAfterMs?: number): number {
    const delay = this.backoff(retryAfterMs)
    // The first failure is worth a warning; the following ones repeat it, so keep them quieter.
    const level = this.state === 'retrying' ? 'debug' : 'warn'
    this.state = 'retrying'
    this.opts.log[level]({ target: this.opts.target, error: this.lastError?.message, attempt: this.failures, retryInMs: delay, backlog: this.opts.backlog() }, message)
    return delay
  }

  /** After noteFailure: refused for good until fixed; resolves to recheckMs. */
  refuse(fields: Record<string, unknown>, message: string): number {
    const { recheckMs } = this.opts.timing
    if (this.state !== 'stopped') {
      this.opts.log.error({ target: this.opts.target, error: this.lastError?.message, ...fields, backlog: this.opts.backlog(), recheckInMs: recheckMs }, message)
    }
    this.state = 'stopped'
    return recheckMs
  }

  // -------------------------------------------------------------------------------------

  private schedule(delayMs: number): void {
    this.clearTimer()
    if (!this.started) return
    this.nextAttemptAt = Date.now() + delayMs
    this.timer = setTimeout(() => {
      this.timer = null
      this.loop = this.runOnce().finally(() => (this.loop = null))
    }, delayMs)
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private async runOnce(): Promise<void> {
    if (this.running || !this.started) return
    this.running = true
    let next = this.opts.timing.flushIntervalMs
    try {
      this.wakeWhileRunning = false
      next = (await this.opts.run()) ?? next
    } catch (err) {
      next = await this.opts.failed(err)
    } finally {
      this.running = false
    }
    if (this.wakeWhileRunning && this.state === 'ok') next = 0
    this.schedule(next)
  }

  /** Exponential backoff with jitter (half fixed, half random), at least what the server asked for (capped at an hour). */
  private backoff(retryAfterMs?: number): number {
    const { minBackoffMs, maxBackoffMs } = this.opts.timing
    const ceiling = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.failures - 1, 30))
    const jittered = ceiling / 2 + Math.random() * (ceiling / 2)
    return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, 3_600_000)))
  }
}

/** A forwarder's cursors in forwarder_cursors: the last id the destination has, per name. */
export function forwarderCursors(db: Db): { get(name: string): number; save(name: string, lastId: number, at: number): void } {
  const read = sql<[string], { last_press_id: number }>(db, 'SELECT last_press_id FROM forwarder_cursors WHERE name = ?')
  const write = sql<[string, number, number]>(
    db,
    `INSERT INTO forwarder_cursors (name, last_press_id, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET last_press_id = excluded.last_press_id, updated_at = excluded.updated_at`,
  )
  return {
    get: (name) => read.get(name)?.last_press_id ?? 0,
    save: (name, lastId, at) => void write.run(name, lastId, at),
  }
}
