/** Contact bounce and wiring checks: pure logic, no board. */
import { describe, expect, it } from 'vitest'
import { Debouncer, GlitchFilter } from '../../firmware/debounce.ts'
import { DEFAULT_WIRING, resolveWiring } from '../../firmware/wiring.ts'

describe('debouncer', () => {
  it('counts the first closing at once and ignores the bounce after it', () => {
    const d = new Debouncer(50)
    expect(d.down(1000)).toBe(true)
    d.up(1002)
    expect(d.down(1004)).toBe(false) // bounce while pressing
    d.up(1150) // released
    expect(d.down(1160)).toBe(false) // bounce while releasing
    d.up(1161)
    expect(d.down(1300)).toBe(true) // the next citizen
  })

  it('never counts a held button twice', () => {
    const d = new Debouncer(50)
    expect(d.down(0)).toBe(true)
    expect(d.down(5000)).toBe(false)
  })

  it('does not count a button that was already down while the board settled', () => {
    const d = new Debouncer(50)
    d.hold(0)
    expect(d.down(100)).toBe(false)
    d.up(2000)
    expect(d.down(2100)).toBe(true)
  })
})

describe('glitch filter', () => {
  /** A filter on a hand-driven clock: `at(t)` runs the timers due by t. */
  function filtered(confirmMs: number) {
    const edges: string[] = []
    let timers: Array<{ due: number; fn: () => void }> = []
    let now = 0
    const filter = new GlitchFilter(
      confirmMs,
      (fn, ms) => {
        const timer = { due: now + ms, fn }
        timers.push(timer)
        return () => (timers = timers.filter((t) => t !== timer))
      },
      { down: (t) => edges.push(`down@${t}`), up: (t) => edges.push(`up@${t}`) },
    )
    const at = (t: number) => {
      now = t
      for (const timer of timers.filter((x) => x.due <= t)) {
        timers = timers.filter((x) => x !== timer)
        timer.fn()
      }
    }
    // Each edge at its own moment: the timers due before it run first.
    const down = (t: number) => (at(t), filter.down(t))
    const up = (t: number) => (at(t), filter.up(t))
    return { filter, edges, at, down, up }
  }

  it('drops a closing shorter than the confirmation time, with its opening', () => {
    const { edges, at, down, up } = filtered(3)
    down(100)
    up(100.4) // a spike on the wire
    at(200)
    expect(edges).toEqual([])
  })

  it('passes a closing that lasts, dated when it closed, and then its opening', () => {
    const { edges, at, down, up } = filtered(3)
    down(100)
    at(102.9)
    expect(edges).toEqual([])
    at(103)
    expect(edges).toEqual(['down@100'])
    up(180)
    expect(edges).toEqual(['down@100', 'up@180'])
  })

  it('lets the bounce of a real press through to the debouncer as one closing', () => {
    const { edges, at, down, up } = filtered(3)
    const d = new Debouncer(50)
    const presses: number[] = []
    // Chatter of 1-2 ms, then firmly closed.
    for (const [closed, opened] of [[0, 1], [2, 3.5], [4, 5]]) {
      down(closed)
      up(opened)
    }
    down(6)
    at(9)
    for (const e of edges) if (e.startsWith('down') && d.down(Number(e.slice(5)))) presses.push(Number(e.slice(5)))
    expect(presses).toEqual([6])
  })

  it('drops a closing still waiting when stopped', () => {
    const { filter, edges, at, down } = filtered(3)
    down(0)
    filter.stop()
    at(10)
    expect(edges).toEqual([])
  })
})

describe('wiring', () => {
  it('defaults to buttons 2,3,4, LEDs 9,10,11 and a piezo on PWM pin 6', () => {
    expect(resolveWiring()).toEqual(DEFAULT_WIRING)
    expect(DEFAULT_WIRING).toEqual({ levels: ['positive', 'neutral', 'negative'], buttons: [2, 3, 4], leds: [9, 10, 11], piezo: 6, piezoDrive: 'pwm', invite: null })
  })

  it('names the pin that is wrong', () => {
    expect(() => resolveWiring({ leds: [9, 10, 4] })).toThrow('pin 4 is used by both button negative and LED negative')
    expect(() => resolveWiring({ buttons: [1, 3, 4] })).toThrow('button positive pin 1 is not usable')
    expect(() => resolveWiring({ piezo: 8 })).toThrow('piezo pin 8 has no PWM')
    expect(resolveWiring({ piezo: 8, piezoDrive: 'digital' }).piezo).toBe(8)
    expect(resolveWiring({ piezo: null }).piezo).toBeNull()
  })
})
