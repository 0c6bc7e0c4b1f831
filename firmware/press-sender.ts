/**
 * Sends the durable queue over the link, oldest first, a few presses in flight at a time,
 * and removes a press only when the link reports the gateway's acknowledgement. A failed
 * send leaves the press queued and retries with backoff; `ageMs` is computed at each send,
 * so a press queued through an outage carries its true age (host-clock.ts).
 */
import { EventEmitter } from 'node:events'
import type { PressPayload } from '../protocol/index.ts'
import { Backoff } from './backoff.ts'
import { ageBetween, type HostTime } from './host-clock.ts'
import type { Link } from './link.ts'
import type { PressQueue, QueuedPress } from './press-queue.ts'

export interface PressSenderOptions {
  queue: PressQueue
  link: Link
  clock: () => HostTime
  /** Presses in flight at once (QoS 1 over one connection keeps their order). */
  window?: number
  retry?: { minMs: number; maxMs: number }
}

export interface PressSenderEvents {
  acked: [press: QueuedPress, sent: PressPayload]
  sendFailed: [press: QueuedPress, reason: Error]
}

export class PressSender extends EventEmitter<PressSenderEvents> {
  private running = false
  private readonly inflight = new Map<string, Promise<void>>()
  private retryTimer: NodeJS.Timeout | null = null
  private readonly backoff: Backoff

  constructor(private readonly opts: PressSenderOptions) {
    super()
    this.backoff = new Backoff(opts.retry ?? { minMs: 250, maxMs: 10_000 })
  }

  start(): void {
    this.running = true
    this.kick()
  }

  /** Waits (a little) for sends in flight, so their acks still reach the queue file. */
  async stop(graceMs = 2000): Promise<void> {
    this.running = false
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.allSettled([...this.inflight.values()]),
      new Promise((r) => (timer = setTimeout(r, graceMs))),
    ])
    clearTimeout(timer)
  }

  get inFlight(): number {
    return this.inflight.size
  }

  /** The link is (back) up: retry at once rather than when the backoff says. */
  retryNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.backoff.reset()
    this.kick()
  }

  /** Something changed (a new press, an ack): send what can be sent. */
  kick(): void {
    if (!this.running || !this.opts.link.isUp || this.retryTimer) return
    const window = this.opts.window ?? 8
    for (const press of this.opts.queue.list()) {
      if (this.inflight.size >= window) break
      const k = `${press.boot}/${press.seq}`
      if (this.inflight.has(k)) continue
      this.inflight.set(k, this.send(k, press))
    }
  }

  private async send(k: string, press: QueuedPress): Promise<void> {
    const payload: PressPayload = {
      seq: press.seq,
      boot: press.boot,
      rating: press.rating,
      ageMs: ageBetween(press.at, this.opts.clock()),
      // Always explicit: the gateway applies its own cooldown only to boxes that omit the flag.
      repeat: press.repeat,
      ...(press.window ? { window: press.window } : {}),
      ...(press.reference ? { reference: press.reference } : {}),
    }
    try {
      await this.opts.link.sendPress(payload)
    } catch (err) {
      this.inflight.delete(k)
      if (!this.running) return
      this.emit('sendFailed', press, err as Error)
      if (!this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null
          this.kick()
        }, this.backoff.next())
      }
      return
    }
    this.inflight.delete(k)
    this.backoff.reset()
    // The press may be acked after stop(): the queue is still open until the box closes it.
    try {
      this.opts.queue.remove(press.boot, press.seq)
    } catch {
      return
    }
    this.emit('acked', press, payload)
    this.kick()
  }
}
