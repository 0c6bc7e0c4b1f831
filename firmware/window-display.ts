/**
 * How a box shows an open rating window (issue 13): its LEDs breathe, and it beeps once when
 * the window opens. On the default wiring the LEDs are on PWM pins (D9, D10, D11: timers 1
 * and 2), so breathing is a brightness ramp sent as Firmata analog writes, one every
 * BREATHE_STEP_MS to each LED (3 bytes each: ~110 B/s of the 57600 baud line). A box whose LED
 * pins have no PWM blinks them slowly instead (WINDOW_BLINK_MS on, the same off), which a
 * citizen tells apart from the fast blink of a repeat (100 ms).
 */
import { PWM_PINS } from './wiring.ts'

export const BREATHE_PERIOD_MS = 2000
export const BREATHE_STEP_MS = 80
export const WINDOW_BLINK_MS = 500
/** The dimmest step is not dark: the box never looks off while a window is open. */
const MIN_LEVEL = 8


export type WindowDisplayMode = 'breathe' | 'blink'

export function windowDisplayMode(ledPins: readonly number[]): WindowDisplayMode {
  return ledPins.every((p) => PWM_PINS.has(p)) ? 'breathe' : 'blink'
}

/** Brightness (0-255) at `elapsedMs` into the window: a raised cosine, dim -> bright -> dim per period. */
export function breathLevel(elapsedMs: number): number {
  const phase = (elapsedMs % BREATHE_PERIOD_MS) / BREATHE_PERIOD_MS
  const v = (1 - Math.cos(2 * Math.PI * phase)) / 2
  return Math.round(MIN_LEVEL + v * (255 - MIN_LEVEL))
}
