/**
 * A virtual box's offline queue: every press (and garbage message) waits here, in order, until
 * the gateway's PUBACK removes it. A message is pending (to send) or in flight (sent, not yet
 * acknowledged); when the connection is lost, everything in flight is pending again.
 */
import type { Rating } from '../protocol/index.ts'

export interface QueuedPress {
  seq: number
  rating: Rating
  repeat: boolean
  late: boolean
  /** Monotonic real time the press was taken; `ageMs` is counted from here at each send. */
  takenAt: number
  extraAgeMs: number
  /** The rating window the press was made in (box-window.ts). */
  window?: { window: string; reference?: string }
}

export interface Outgoing {
  readonly key: number
  readonly press?: QueuedPress
  readonly raw?: Buffer
  /** Publish the first transmission twice (a duplicate the gateway must drop). */
  readonly duplicate: boolean
  state: 'pending' | 'inflight'
  sends: number
}

export class BoxQueue {
  inFlight = 0
  private readonly items = new Map<number, Outgoing>()
  /** Keys to send next, in order; may hold keys already acknowledged (skipped when taken). */
  private pending: number[] = []
  private nextKey = 1

  get size(): number {
    return this.items.size
  }

  add(message: { press?: QueuedPress; raw?: Buffer; duplicate: boolean }): Outgoing {
    const entry: Outgoing = { ...message, key: this.nextKey++, state: 'pending', sends: 0 }
    this.items.set(entry.key, entry)
    this.pending.push(entry.key)
    return entry
  }

  /** The oldest pending message, now marked in flight; undefined when nothing is pending. */
  takePending(): Outgoing | undefined {
    while (this.pending.length > 0) {
      const entry = this.items.get(this.pending.shift() as number)
      if (!entry || entry.state !== 'pending') continue
      entry.state = 'inflight'
      entry.sends++
      this.inFlight++
      return entry
    }
    return undefined
  }

  /** The PUBACK came: the message leaves the queue. False if an earlier copy already did. */
  acknowledge(entry: Outgoing): boolean {
    if (!this.items.delete(entry.key)) return false
    if (entry.state === 'inflight') this.inFlight--
    return true
  }

  /** The connection is gone: whatever was in flight was not acknowledged, so all is pending again, in order. */
  requeueAll(): void {
    for (const entry of this.items.values()) entry.state = 'pending'
    this.pending = [...this.items.keys()]
    this.inFlight = 0
  }

  /** Drops the oldest pending message (a full queue); returns it. */
  dropOldestPending(): Outgoing | undefined {
    for (const entry of this.items.values()) {
      if (entry.state !== 'pending') continue
      this.items.delete(entry.key)
      return entry
    }
    return undefined
  }
}
