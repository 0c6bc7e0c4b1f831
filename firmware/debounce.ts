/**
 * Contact-bounce filter for one button, fed the pin's edges from Firmata's port reports
 * (board-session.ts; the cheap arcade buttons a box uses bounce for 10-40 ms).
 * Leading edge: the first "down" counts at once (no added latency), then the button must be
 * seen up for `windowMs` before another down counts, and a down within `windowMs` of the
 * last accepted one is bounce. Pure logic on timestamps, so it is tested without hardware.
 */
export class Debouncer {
  private pressed = false
  private lastDownAt = -Infinity
  private lastUpAt = -Infinity

  constructor(private readonly windowMs: number) {}

  /** The contact closed at `now`; returns true when this is a new press. */
  down(now: number): boolean {
    if (this.pressed) return false
    if (now - this.lastDownAt < this.windowMs || now - this.lastUpAt < this.windowMs) return false
    this.pressed = true
    this.lastDownAt = now
    return true
  }

  /** The contact is closed but must not count (the board is still settling): wait for a release. */
  hold(now: number): void {
    this.pressed = true
    this.lastDownAt = now
  }

  /** The contact opened at `now`. */
  up(now: number): void {
    this.pressed = false
    this.lastUpAt = now
  }
}
