/** Contact bounce and wiring checks: pure logic, no board. */
import { describe, expect, it } from 'vitest'
import { Debouncer } from '../../firmware/debounce.ts'
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
