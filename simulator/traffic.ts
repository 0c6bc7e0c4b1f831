/**
 * The citizen traffic model: when citizens finish at a counter and what they press.
 *
 * Arrivals at each counter are a Poisson process in *open* time: the gap to the next citizen
 * is drawn from an exponential distribution at the counter's rate, and counted only while the
 * office is open (Vietnamese public office hours by default: Monday to Friday, 7:30-11:30 and
 * 13:30-17:00), so nights and weekends are skipped, not crowded. Each counter rates from the
 * mix of the officer who serves there. Everything is drawn from a seeded generator: the same
 * seed, start and counters give the same arrivals, press for press.
 */
import { formatHhMm, localTime } from '../gateway/local-time.ts'
import { LEVEL_IDS, type Rating } from '../protocol/index.ts'

/** mulberry32: a tiny, fast, well-mixed 32-bit generator; plenty for traffic, not for secrets. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A 32-bit seed from any text or number (FNV-1a), so `--seed demo` works as well as `--seed 42`. */
export function seedOf(value: string | number): number {
  let h = 0x811c9dc5
  for (const ch of String(value)) {
    h ^= ch.codePointAt(0) as number
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** Weight of each level a citizen may press; levels left out are never pressed. */
export type RatingMix = Partial<Record<Rating, number>>

/**
 * A three-level mix (Rất hài lòng / Hài lòng / Không hài lòng) on a scale of 3, 4 or 5 levels:
 * each id means the same on every scale, so "Rất hài lòng" stays positive, "Hài lòng" (neutral)
 * is shared with "Bình thường" (fair, 7:3) and "Không hài lòng" with "Rất không hài lòng" (7:3).
 */
export function mixOnScale(mix: RatingMix, levels: 3 | 4 | 5): RatingMix {
  if (levels === 3) return mix
  const mid = mix.neutral ?? 0
  const bad = mix.negative ?? 0
  return levels === 5
    ? { positive: mix.positive, neutral: mid * 0.7, fair: mid * 0.3, negative: bad * 0.7, 'very-negative': bad * 0.3 }
    : { positive: mix.positive, neutral: mid, negative: bad * 0.7, 'very-negative': bad * 0.3 }
}

export function drawRating(mix: RatingMix, random: () => number): Rating {
  const levels = LEVEL_IDS.filter((r) => (mix[r] ?? 0) > 0)
  const sum = levels.reduce((s, r) => s + mix[r]!, 0)
  let x = random() * sum
  for (const r of levels) {
    x -= mix[r]!
    if (x < 0) return r
  }
  return levels.at(-1) ?? 'negative'
}

export interface OfficeHours {
  timezone: string
  /** ISO weekdays, 1 = Monday. */
  days: number[]
  periods: Array<{ from: string; to: string }>
}

/** Public office hours in Vietnam (Mon-Fri, morning and afternoon sessions). */
export const VIETNAM_OFFICE_HOURS: OfficeHours = {
  timezone: 'Asia/Ho_Chi_Minh',
  days: [1, 2, 3, 4, 5],
  periods: [
    { from: '07:30', to: '11:30' },
    { from: '13:30', to: '17:00' },
  ],
}

/** Open around the clock: for tests and load runs. */
export const ALWAYS_OPEN: OfficeHours = {
  timezone: 'UTC',
  days: [1, 2, 3, 4, 5, 6, 7],
  periods: [{ from: '00:00', to: '24:00' }],
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * Local weekday and time of day in ms, in the hours' time zone. Zone offsets are whole minutes,
 * so the seconds and milliseconds within the minute are the same locally as in UTC.
 */
function localDay(tz: string, t: number): { weekday: number; msOfDay: number } {
  const { weekday, minute } = localTime(t, tz)
  return { weekday, msOfDay: minute * 60_000 + (((t % 60_000) + 60_000) % 60_000) }
}

/** `Mon 09:12`: a simulated instant as the progress line shows it. */
export function simLabel(tz: string, t: number): string {
  const { weekday, minute } = localTime(t, tz)
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][weekday - 1]
  return `${day} ${formatHhMm(minute)}`
}

export function isOpen(hours: OfficeHours, t: number): boolean {
  const { weekday, msOfDay } = localDay(hours.timezone, t)
  if (!hours.days.includes(weekday)) return false
  return hours.periods.some(
    (p) => msOfDay >= minutes(p.from) * 60_000 && msOfDay < minutes(p.to) * 60_000,
  )
}

/** The next instant after `t` at which the office opens or closes (at most a day ahead). */
export function nextChange(hours: OfficeHours, t: number): number {
  const { msOfDay } = localDay(hours.timezone, t)
  const bounds = hours.periods
    .flatMap((p) => [minutes(p.from) * 60_000, minutes(p.to) * 60_000])
    .filter((b) => b > msOfDay)
  const target = bounds.length > 0 ? Math.min(...bounds) : 24 * 3_600_000
  return t + (target - msOfDay)
}

/** Advances `t` by `openMs` of open time, skipping closed periods. */
export function addOpenTime(hours: OfficeHours, t: number, openMs: number): number {
  if (hours.days.length === 7 && hours.periods.some((p) => p.from === '00:00' && p.to === '24:00'))
    return t + openMs
  let remaining = openMs
  for (let guard = 0; guard < 100_000; guard++) {
    const change = nextChange(hours, t)
    if (isOpen(hours, t)) {
      if (t + remaining < change) return t + remaining
      remaining -= change - t
    }
    t = change
  }
  throw new Error('office hours never open')
}

export interface CounterTraffic {
  boxId: string
  /** Citizens served per open hour. */
  ratePerHour: number
  mix: RatingMix
}

export interface Arrival {
  /** Simulated time of the press, ms since the epoch. */
  at: number
  boxId: string
  rating: Rating
}

export interface TrafficModelOptions {
  counters: CounterTraffic[]
  hours?: OfficeHours
  seed?: number
  /** Simulated start time, ms since the epoch. */
  startMs: number
}

/** An endless, deterministic stream of arrivals over all counters, in time order. */
export class TrafficModel {
  readonly hours: OfficeHours
  /** Counters with any traffic (a rate above zero). */
  readonly activeCounters: number
  private readonly counters: Array<CounterTraffic & { random: () => number; next: number }>
  private readonly heap: number[] = [] // indexes into counters, ordered by `next`

  constructor(opts: TrafficModelOptions) {
    this.hours = opts.hours ?? VIETNAM_OFFICE_HOURS
    const seed = opts.seed ?? 1
    this.counters = opts.counters.map((c, i) => {
      // One generator per counter: adding a counter does not change the others' arrivals.
      const random = prng(seed ^ seedOf(c.boxId) ^ Math.imul(i + 1, 0x9e3779b1))
      return { ...c, random, next: 0 }
    })
    for (let i = 0; i < this.counters.length; i++) {
      const c = this.counters[i]
      if (c.ratePerHour <= 0) continue
      c.next = this.gap(c, opts.startMs)
      this.push(i)
    }
    this.activeCounters = this.heap.length
  }

  /** Time of the next arrival, without taking it; Infinity when no counter has traffic. */
  peek(): number {
    return this.heap.length > 0 ? this.counters[this.heap[0]].next : Infinity
  }

  next(): Arrival {
    if (this.heap.length === 0) throw new Error('no counter has any traffic')
    const i = this.pop()
    const c = this.counters[i]
    const arrival: Arrival = { at: c.next, boxId: c.boxId, rating: drawRating(c.mix, c.random) }
    c.next = this.gap(c, c.next)
    this.push(i)
    return arrival
  }

  private gap(c: { ratePerHour: number; random: () => number }, from: number): number {
    const openMs = (-Math.log(1 - c.random()) / c.ratePerHour) * 3_600_000
    return Math.round(addOpenTime(this.hours, from, Math.max(1, openMs)))
  }

  private push(i: number): void {
    const h = this.heap
    h.push(i)
    let k = h.length - 1
    while (k > 0) {
      const parent = (k - 1) >> 1
      if (this.less(h[parent], h[k])) break
      ;[h[parent], h[k]] = [h[k], h[parent]]
      k = parent
    }
  }

  private pop(): number {
    const h = this.heap
    const top = h[0]
    const last = h.pop() as number
    if (h.length > 0) {
      h[0] = last
      let k = 0
      for (;;) {
        const l = 2 * k + 1
        const r = l + 1
        let m = k
        if (l < h.length && this.less(h[l], h[m])) m = l
        if (r < h.length && this.less(h[r], h[m])) m = r
        if (m === k) break
        ;[h[m], h[k]] = [h[k], h[m]]
        k = m
      }
    }
    return top
  }

  private less(a: number, b: number): boolean {
    const x = this.counters[a].next
    const y = this.counters[b].next
    return x < y || (x === y && a < b)
  }
}

/**
 * Simulated time running `speed` times faster than real time from `startMs`; `jumpTo` skips
 * ahead (over a closed night, say) without waiting.
 */
export class SimClock {
  private base: number
  private realBase = performance.now()

  constructor(
    startMs: number,
    readonly speed: number,
  ) {
    this.base = startMs
  }

  now(): number {
    return this.base + (performance.now() - this.realBase) * this.speed
  }

  jumpTo(simMs: number): void {
    if (simMs <= this.now()) return
    this.base = simMs
    this.realBase = performance.now()
  }

  /** Real milliseconds until the simulated instant `simMs`. */
  realDelay(simMs: number): number {
    return Math.max(0, (simMs - this.now()) / this.speed)
  }
}
