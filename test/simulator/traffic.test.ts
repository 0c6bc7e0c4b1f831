/** The citizen traffic model: office hours, rates, rating mixes, determinism; and the --faults syntax. */
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { localTime } from '../../gateway/local-time.ts'
import { NO_FAULTS, parseDuration, parseFaults } from '../../simulator/faults.ts'
import { seedOffice } from '../../simulator/seed-office.ts'
import {
  ALWAYS_OPEN,
  SimClock,
  TrafficModel,
  VIETNAM_OFFICE_HOURS,
  isOpen,
  type Arrival,
} from '../../simulator/traffic.ts'

const SUNDAY_NOON_HCM = Date.parse('2026-11-22T12:00:00+07:00')
const take = (model: TrafficModel, n: number): Arrival[] =>
  Array.from({ length: n }, () => model.next())

describe('traffic model', () => {
  const counters = [
    { boxId: 'a', ratePerHour: 20, mix: { positive: 0.9, neutral: 0.08, negative: 0.02 } },
    { boxId: 'b', ratePerHour: 10, mix: { positive: 0.3, neutral: 0.3, negative: 0.4 } },
  ]

  it('is deterministic: the same seed gives the same arrivals, another seed others', () => {
    const run = (seed: number) =>
      take(new TrafficModel({ counters, seed, startMs: SUNDAY_NOON_HCM }), 200)
    expect(run(7)).toEqual(run(7))
    expect(run(7)).not.toEqual(run(8))
  })

  it('citizens come only in Vietnamese office hours (Mon-Fri 7:30-11:30, 13:30-17:00), in time order', () => {
    const arrivals = take(new TrafficModel({ counters, seed: 1, startMs: SUNDAY_NOON_HCM }), 3000)
    for (let i = 0; i < arrivals.length; i++) {
      const a = arrivals[i]
      expect(isOpen(VIETNAM_OFFICE_HOURS, a.at)).toBe(true)
      const { weekday, minute: min } = localTime(a.at, 'Asia/Ho_Chi_Minh')
      expect(weekday).toBeLessThanOrEqual(5)
      expect((min >= 450 && min < 690) || (min >= 810 && min < 1020)).toBe(true)
      if (i > 0) expect(a.at).toBeGreaterThanOrEqual(arrivals[i - 1].at)
    }
    // Sunday noon: the first citizen comes on Monday morning.
    expect(localTime(arrivals[0].at, 'Asia/Ho_Chi_Minh').weekday).toBe(1)
  })

  it('arrival rates and rating mixes are per counter', () => {
    const model = new TrafficModel({ counters, hours: ALWAYS_OPEN, seed: 3, startMs: 0 })
    const hours = 500
    const arrivals: Arrival[] = []
    while (model.peek() < hours * 3_600_000) arrivals.push(model.next())
    const of = (box: string) => arrivals.filter((a) => a.boxId === box)
    expect(of('a').length / hours).toBeGreaterThan(18)
    expect(of('a').length / hours).toBeLessThan(22)
    expect(of('b').length / hours).toBeGreaterThan(9)
    expect(of('b').length / hours).toBeLessThan(11)
    const share = (box: string, r: string) =>
      of(box).filter((a) => a.rating === r).length / of(box).length
    expect(share('a', 'positive')).toBeGreaterThan(0.85)
    expect(share('b', 'negative')).toBeGreaterThan(0.35)
  })

  it('the seeded office shows a visible spread between officers', () => {
    const office = seedOffice({ weekday: 2 })
    expect(office.registry.counters.length).toBeGreaterThanOrEqual(6)
    expect(office.registry.counters.length).toBeLessThanOrEqual(8)
    expect(office.registry.boxes.length).toBe(office.registry.counters.length)
    const positives = office.traffic.map((t) => t.mix.positive ?? 0)
    expect(Math.max(...positives) - Math.min(...positives)).toBeGreaterThan(0.3)
    // Tuesday's rota: Vũ Đức Anh sits at Quầy 5.
    expect(office.onDuty).toContainEqual({ counter: 'q5', officer: 'duc-anh' })
  })

  it('a simulated clock runs faster than real time and can jump ahead', () => {
    vi.useFakeTimers() // time is the subject: advance it instead of sleeping
    onTestFinished(() => {
      vi.useRealTimers()
    })
    const clock = new SimClock(0, 1000)
    vi.advanceTimersByTime(30)
    expect(clock.now()).toBe(30_000)
    clock.jumpTo(10_000_000)
    expect(clock.now()).toBe(10_000_000)
    expect(clock.realDelay(10_060_000)).toBe(60)
    clock.jumpTo(5_000) // never backwards
    expect(clock.now()).toBe(10_000_000)
  })
})

describe('--faults syntax', () => {
  it('reads every fault with its parameters', () => {
    expect(
      parseFaults('dup=0.1,late=0.05:2h,garbage=0.02,flood=0.01:7,drop=0.2:30s:5s,kill=0.1:1m'),
    ).toEqual({
      ...NO_FAULTS,
      duplicateRate: 0.1,
      lateRate: 0.05,
      lateMs: 7_200_000,
      garbageRate: 0.02,
      floodRate: 0.01,
      floodBurst: 7,
      linkFlap: { fraction: 0.2, everyMs: 30_000, downMs: 5_000 },
      kill: { fraction: 0.1, everyMs: 60_000 },
    })
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('90')).toBe(90_000)
  })

  it('says what is wrong', () => {
    expect(() => parseFaults('explode=1')).toThrow(/unknown fault "explode"/)
    expect(() => parseFaults('dup=2')).toThrow(/between 0 and 1/)
    expect(() => parseFaults('late=0.1:soon')).toThrow(/not a duration/)
  })
})
