/**
 * Drives a fleet from the traffic model: every citizen arrival becomes a press on that
 * counter's box when the simulated clock reaches it. At `speed: 'max'` arrivals are taken as
 * fast as the gateway acknowledges them, with a bounded number queued at once (load runs).
 * Stops after `presses` per box or after `durationMs` of real time, whichever is given.
 */
import type { Rating } from '../protocol/index.ts'
import type { Fleet } from './fleet.ts'
import { isOpen, type SimClock, type TrafficModel } from './traffic.ts'

export interface TrafficDriverOptions {
  fleet: Fleet
  model: TrafficModel
  /** Simulated clock, or 'max' to press as fast as the gateway takes it. */
  clock: SimClock | 'max'
  /** Presses per box, then that box stops. */
  presses?: number
  /** Real time to run. */
  durationMs?: number
  /** Jump the simulated clock over closed hours instead of waiting through them (default true). */
  skipClosed?: boolean
  /** At 'max' speed: most messages queued over the whole fleet at once (default 16 per box). */
  maxQueued?: number
  tickMs?: number
}

export class TrafficDriver {
  /** Presses made so far. */
  pressed = 0
  private readonly perBox = new Map<string, number>()
  private finishedBoxes = 0
  private timer: NodeJS.Timeout | undefined
  private startedAt = 0
  private lastArrival = 0
  private resolveDone!: () => void
  /** Resolves when the run has made all its presses or used up its time (or was stopped). */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve))

  constructor(private readonly opts: TrafficDriverOptions) {}

  /** The simulated time now: the clock's, or at 'max' speed the time of the last arrival taken. */
  simNow(): number {
    return this.opts.clock === 'max' ? this.lastArrival : this.opts.clock.now()
  }

  start(): void {
    this.startedAt = performance.now()
    this.lastArrival = this.opts.model.peek()
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 20)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.resolveDone()
  }

  private tick(): void {
    const { fleet, model, presses, durationMs } = this.opts
    if (durationMs !== undefined && performance.now() - this.startedAt >= durationMs)
      return this.stop()
    let until: number
    let budget: number
    if (this.opts.clock === 'max') {
      until = Infinity
      let queued = 0
      for (const b of fleet.boxes()) queued += b.stats.queued
      budget = (this.opts.maxQueued ?? fleet.size * 16) - queued
    } else {
      const clock = this.opts.clock
      // Nights and weekends: nobody comes, so do not make the audience wait for Monday.
      if ((this.opts.skipClosed ?? true) && !isOpen(model.hours, clock.now()))
        clock.jumpTo(model.peek())
      until = clock.now()
      budget = 50_000
    }
    for (; budget > 0 && model.peek() <= until; budget--) {
      const arrival = model.next()
      this.lastArrival = arrival.at
      if (presses !== undefined) {
        const n = this.perBox.get(arrival.boxId) ?? 0
        if (n >= presses) {
          budget++
          continue
        }
        this.perBox.set(arrival.boxId, n + 1)
        if (n + 1 === presses && ++this.finishedBoxes === model.activeCounters) {
          this.press(arrival)
          return this.stop()
        }
      }
      this.press(arrival)
    }
  }

  private press(arrival: {
    at: number
    boxId: string
    rating: Rating
  }): void {
    this.opts.fleet.press(arrival.boxId, arrival.rating, { at: arrival.at })
    this.pressed++
  }
}
