/**
 * A fleet of virtual boxes in one process: the programmatic API of the simulator, used by the
 * `simulate` and `demo` commands, by the tests and by the benchmarks for load generation.
 *
 *   const fleet = await createFleet({ url: 'mqtt://127.0.0.1:1883', boxes: [{ id, secret }, ...] })
 *   fleet.pressAll(20)                 // 20 counted presses per box, ratings from a seeded mix
 *   await fleet.waitAllAcked()         // every press (and garbage) acknowledged by the gateway
 *   fleet.summary()                    // what was sent, per box and rating
 *   await fleet.close()
 *
 * One mqtt.js client per box on the shared event loop; connects go a few dozen at a time
 * through one Gate; each box keeps a bounded number of presses in flight.
 */
import type { Logger } from 'pino'
import type { Rating } from '../protocol/index.ts'
import { Faults, garbagePayload } from './faults.ts'
import { Gate } from './gate.ts'
import { summarize, type SimSummary } from './summary.ts'
import { drawRating, prng, seedOf, type RatingMix } from './traffic.ts'
import { VirtualBox, type PressOptions, type PressRecord } from './virtual-box.ts'

export interface FleetBox {
  id: string
  secret: string
}

export interface FleetOptions {
  /** Broker URL of the gateway, e.g. `mqtt://127.0.0.1:1883`. */
  url: string
  boxes: FleetBox[]
  log?: Logger
  /** Connects in progress at once (default 50). */
  connectConcurrency?: number
  /** Unacknowledged presses per box (default 16). */
  maxInFlightPerBox?: number
  /** Cooldown until the gateway's config arrives (default 5000). */
  cooldownMs?: number
  /** The boxes' clock for the cooldown (simulated time from the traffic model); default real time. */
  clock?: () => number
  /** Seed of ratings and fault draws (default 1). */
  seed?: number | string
  keepaliveS?: number
  backoff?: { minMs: number; maxMs: number }
  /** The levels of the gateway's rating scale (what fault floods press); default three. */
  levels?: readonly Rating[]
}

/** The default mix of `pressAll`: mostly satisfied citizens, as in published one-stop-shop surveys. */
export const DEFAULT_MIX: RatingMix = { positive: 0.6, neutral: 0.3, negative: 0.1 }

export interface PressAllOptions {
  /** A rating for every press, or a mix to draw from (per box when a function). */
  rating?: Rating
  mix?: RatingMix | ((boxId: string) => RatingMix)
  /** false: let the cooldown decide (presses come at once, so all but the first are repeats). Default true. */
  counted?: boolean
}

export class Fleet {
  readonly faults: Faults
  private readonly byId = new Map<string, VirtualBox>()
  private readonly list: VirtualBox[]
  private readonly ratingRandom: () => number
  private readonly faultRandom: () => number
  private started = false

  constructor(private readonly opts: FleetOptions) {
    const gate = new Gate(opts.connectConcurrency ?? 50)
    this.list = opts.boxes.map(
      (b) =>
        new VirtualBox({
          url: opts.url,
          boxId: b.id,
          secret: b.secret,
          gate,
          log: opts.log,
          clock: opts.clock,
          cooldownMs: opts.cooldownMs,
          maxInFlight: opts.maxInFlightPerBox,
          keepaliveS: opts.keepaliveS,
          backoff: opts.backoff,
        }),
    )
    for (const b of this.list) {
      if (this.byId.has(b.boxId)) throw new Error(`box ${b.boxId} is listed twice`)
      this.byId.set(b.boxId, b)
    }
    const seed = seedOf(opts.seed ?? 1)
    this.ratingRandom = prng(seed)
    this.faultRandom = prng(seed ^ 0x5bd1e995)
    this.faults = new Faults({ boxes: () => this.list, random: this.faultRandom, levels: opts.levels })
  }

  get size(): number {
    return this.list.length
  }

  boxes(): VirtualBox[] {
    return this.list
  }

  box(boxId: string): VirtualBox {
    const b = this.byId.get(boxId)
    if (!b) throw new Error(`no virtual box ${boxId} in this fleet`)
    return b
  }

  /** Starts every box (connects are staggered); with `waitConnected`, resolves once all are connected. */
  async start(opts: { waitConnected?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (!this.started) {
      this.started = true
      for (const b of this.list) b.start()
    }
    if (opts.waitConnected ?? true) await this.waitConnected(opts.timeoutMs)
  }

  async waitConnected(timeoutMs = 60_000): Promise<void> {
    await this.waitFor(
      () => this.list.every((b) => b.isConnected || b.isLinkDown),
      timeoutMs,
      () => {
        const missing = this.list.filter((b) => !b.isConnected && !b.isLinkDown)
        const example = missing.find((b) => b.lastError)
        return (
          `${missing.length} of ${this.list.length} boxes not connected` +
          (example ? ` (${example.boxId}: ${example.lastError})` : '')
        )
      },
    )
  }

  /**
   * One press on one box, with the fault plan applied (duplicate, late, flood burst, garbage).
   * Returns the press as the box recorded it.
   */
  press(boxId: string, rating: Rating, opts: PressOptions = {}): PressRecord {
    const box = this.box(boxId)
    const fault = this.faults.draw()
    const record = box.press(rating, {
      ...opts,
      duplicate: opts.duplicate ?? fault.duplicate,
      extraAgeMs: opts.extraAgeMs ?? fault.extraAgeMs,
    })
    // A flood: the citizen keeps pressing at the same instant, so the cooldown makes repeats.
    for (let i = 0; i < fault.floodBurst; i++) box.press(rating, { at: opts.at })
    if (fault.garbage) box.sendRaw(garbagePayload(fault.garbage, this.faults.nextGarbageSeq()))
    return record
  }

  /** `n` presses on every box, interleaved across boxes. Returns how many presses were made. */
  pressAll(n: number, opts: PressAllOptions = {}): number {
    const mixOf =
      typeof opts.mix === 'function'
        ? opts.mix
        : () => (opts.mix as RatingMix | undefined) ?? DEFAULT_MIX
    const mixes = this.list.map((b) => mixOf(b.boxId))
    let made = 0
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < this.list.length; k++) {
        const rating = opts.rating ?? drawRating(mixes[k], this.ratingRandom)
        this.press(this.list[k].boxId, rating, opts.counted === false ? {} : { repeat: false })
        made++
      }
    }
    return made
  }

  /** Draws a rating from a mix with the fleet's seeded generator. */
  drawRating(mix: RatingMix): Rating {
    return drawRating(mix, this.ratingRandom)
  }

  /** Resolves once every box's queue is empty: all presses and garbage acknowledged. */
  async waitAllAcked(opts: { timeoutMs?: number } = {}): Promise<void> {
    await this.waitFor(
      () => this.list.every((b) => b.stats.queued === 0),
      opts.timeoutMs ?? 120_000,
      () => {
        const t = this.summary().totals
        const down = this.list.filter((b) => b.isLinkDown).length
        return (
          `${t.queued} messages still queued on ${this.list.filter((b) => b.stats.queued > 0).length} boxes` +
          (down ? ` (${down} links are down)` : '')
        )
      },
    )
  }

  summary(): SimSummary {
    return summarize(this.list)
  }

  /** Stops every box cleanly (retained offline status, DISCONNECT) and any fault timers. */
  async close(): Promise<void> {
    this.faults.stop()
    const stops: Promise<void>[] = []
    // Bounded as the connects are: thousands of DISCONNECTs at once are fine, but keep memory flat.
    for (let i = 0; i < this.list.length; i += 200) {
      stops.length = 0
      for (const b of this.list.slice(i, i + 200)) stops.push(b.stop())
      await Promise.all(stops)
    }
    this.started = false
  }

  private async waitFor(done: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${why()}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }
}

/** Builds a fleet and connects every box; the usual way to get one. */
export async function createFleet(
  opts: FleetOptions & { waitConnected?: boolean; timeoutMs?: number },
): Promise<Fleet> {
  const fleet = new Fleet(opts)
  try {
    await fleet.start({ waitConnected: opts.waitConnected, timeoutMs: opts.timeoutMs })
  } catch (err) {
    await fleet.close()
    throw err
  }
  return fleet
}
