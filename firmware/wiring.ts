/**
 * How a box is wired to its Arduino (see docs/wiring.md). Button i gives rating
 * BUTTON_RATINGS[i] and lights LED i. The defaults suit an Uno: buttons on D2-D4 (to ground,
 * with the chip's pull-ups), LEDs on the PWM pins D9-D11, a passive piezo on D6, whose
 * hardware PWM (timer 0, ~980 Hz) makes the beep without streaming a tone over the serial line.
 */
import { RATINGS, type Rating } from '../protocol/index.ts'

export const BUTTON_RATINGS: readonly Rating[] = RATINGS

export interface Wiring {
  /** Input pins of the smiley, neutral and frown buttons, in that order. */
  buttons: [number, number, number]
  /** Output pins of the LED beside each button, same order. */
  leds: [number, number, number]
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
  buttons: [2, 3, 4],
  leds: [9, 10, 11],
  piezo: 6,
  piezoDrive: 'pwm',
  invite: null,
})

/** Uno pins able to do hardware PWM. */
export const PWM_PINS: ReadonlySet<number> = new Set([3, 5, 6, 9, 10, 11])

/** Fills the defaults in and checks the wiring; throws a message that names the bad pin. */
export function resolveWiring(partial: Partial<Wiring> = {}): Wiring {
  const w: Wiring = { ...DEFAULT_WIRING, ...partial }
  const used = new Map<number, string>()
  const claim = (pin: number, what: string): void => {
    if (!Number.isInteger(pin) || pin < 2 || pin > 19) {
      throw new Error(`wiring: ${what} pin ${pin} is not usable (2-19; 0 and 1 carry the serial line)`)
    }
    const other = used.get(pin)
    if (other) throw new Error(`wiring: pin ${pin} is used by both ${other} and ${what}`)
    used.set(pin, what)
  }
  if (w.buttons.length !== 3 || w.leds.length !== 3) throw new Error('wiring: exactly three buttons and three LEDs')
  w.buttons.forEach((p, i) => claim(p, `button ${BUTTON_RATINGS[i]}`))
  w.leds.forEach((p, i) => claim(p, `LED ${BUTTON_RATINGS[i]}`))
  if (w.invite !== null) claim(w.invite, 'officer button')
  if (w.piezo !== null) {
    claim(w.piezo, 'piezo')
    if (w.piezoDrive === 'pwm' && !PWM_PINS.has(w.piezo)) {
      throw new Error(`wiring: piezo pin ${w.piezo} has no PWM (use 3, 5, 6, 9, 10 or 11, or piezoDrive 'digital' for an active buzzer)`)
    }
  }
  return w
}
