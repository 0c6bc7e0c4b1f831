/**
 * How a box is wired to its Arduino (see docs/wiring.md). A box has one button per level of
 * its deployment's rating scale (3, 4 or 5, best first): button i gives rating levels[i] and
 * lights LED i. The defaults suit an Uno: three buttons on D2-D4 (to ground, with the chip's
 * pull-ups), LEDs on the PWM pins D9-D11, a passive piezo on D6, whose hardware PWM (timer 0,
 * ~980 Hz) makes the beep without streaming a tone over the serial line. Four or five
 * buttons: D2, D4, D7, D8, D12, their LEDs on the PWM pins D9, D10, D11, D5, D3.
 */
import { LEVEL_IDS, RATINGS, type Rating } from '../protocol/index.ts'

/** The levels of the default three-button box, in button order. */
export const BUTTON_RATINGS: readonly Rating[] = RATINGS

export interface Wiring {
  /** The level each button gives, best first (the deployment's scale; default three). */
  levels: readonly Rating[]
  /** Input pins of the buttons, in the order of levels. */
  buttons: readonly number[]
  /** Output pins of the LED beside each button, same order. */
  leds: readonly number[]
  /** Piezo pin, or null for a box without one. */
  piezo: number | null
  /**
   * 'pwm': a passive piezo on a PWM pin, sounded by a 50% duty cycle (the default).
   * 'digital': an active buzzer (it has its own oscillator), switched on and off.
   */
  piezoDrive: 'pwm' | 'digital'
  /** The officer-side button ("mời đánh giá") that asks for a rating window, or null for none. */
  invite: number | null
}

export const DEFAULT_WIRING: Readonly<Wiring> = Object.freeze<Wiring>({
  levels: RATINGS,
  buttons: [2, 3, 4],
  leds: [9, 10, 11],
  piezo: 6,
  piezoDrive: 'pwm',
  invite: null,
})

/** Uno pins able to do hardware PWM. */
export const PWM_PINS: ReadonlySet<number> = new Set([3, 5, 6, 9, 10, 11])

/** Default pins of a box with `n` buttons: three as ever; four or five keep D3 and D5 for LEDs. */
export function defaultPins(n: number): { buttons: number[]; leds: number[] } {
  if (n === 3) return { buttons: [...DEFAULT_WIRING.buttons], leds: [...DEFAULT_WIRING.leds] }
  return { buttons: [2, 4, 7, 8, 12].slice(0, n), leds: [9, 10, 11, 5, 3].slice(0, n) }
}

/** Fills the defaults in and checks the wiring; throws a message that names the bad pin. */
export function resolveWiring(partial: Partial<Wiring> = {}): Wiring {
  const levels = partial.levels ?? DEFAULT_WIRING.levels
  const w: Wiring = { ...DEFAULT_WIRING, ...defaultPins(levels.length), ...partial, levels }
  const used = new Map<number, string>()
  const claim = (pin: number, what: string): void => {
    if (!Number.isInteger(pin) || pin < 2 || pin > 19) {
      throw new Error(`wiring: ${what} pin ${pin} is not usable (2-19; 0 and 1 carry the serial line)`)
    }
    const other = used.get(pin)
    if (other) throw new Error(`wiring: pin ${pin} is used by both ${other} and ${what}`)
    used.set(pin, what)
  }
  if (levels.length < 3 || levels.length > 5 || new Set(levels).size !== levels.length || levels.some((l) => !LEVEL_IDS.includes(l))) {
    throw new Error(`wiring: the levels are 3 to 5 different ids of ${LEVEL_IDS.join(', ')} (got ${levels.join(', ')})`)
  }
  if (w.buttons.length !== levels.length || w.leds.length !== levels.length) {
    throw new Error(`wiring: one button and one LED per level: ${levels.length} levels (${levels.join(', ')}), ${w.buttons.length} buttons, ${w.leds.length} LEDs`)
  }
  w.buttons.forEach((p, i) => claim(p, `button ${levels[i]}`))
  w.leds.forEach((p, i) => claim(p, `LED ${levels[i]}`))
  if (w.invite !== null) claim(w.invite, 'officer button')
  if (w.piezo !== null) {
    claim(w.piezo, 'piezo')
    if (w.piezoDrive === 'pwm' && !PWM_PINS.has(w.piezo)) {
      throw new Error(`wiring: piezo pin ${w.piezo} has no PWM (use 3, 5, 6, 9, 10 or 11, or piezoDrive 'digital' for an active buzzer)`)
    }
  }
  return w
}
