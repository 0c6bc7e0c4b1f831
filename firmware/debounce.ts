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

/** Takes a button's edges after the glitch filter. */
export interface Edges {
  down(at: number): void
  up(at: number): void
}

/**
 * Electrical glitches: a contact must stay closed for `confirmMs` before its closing counts
 * as an edge at all. A noise spike on a long wire, or a discharge from a hand on the box,
 * pulls an input low for microseconds; without this it would be a press, forged in some
 * officer's name (johnny-five's Button, no longer used, held every press 7 ms for the same
 * reason). A closing opened again within `confirmMs` is dropped together with its opening.
 * The timer is given, so this too is tested without hardware.
 */
export class GlitchFilter {
  private pending: (() => void) | null = null
  private closedContact = false

  constructor(
    private readonly confirmMs: number,
    private readonly schedule: (fn: () => void, ms: number) => () => void,
    private readonly out: Edges,
  ) {}

  /** The pin went low at `at`: an edge once it stays low for `confirmMs`. */
  down(at: number): void {
    if (this.pending || this.closedContact) return
    this.pending = this.schedule(() => {
      this.pending = null
      this.closedContact = true
      this.out.down(at)
    }, this.confirmMs)
  }

  /** The pin went high at `at`. */
  up(at: number): void {
    if (this.pending) {
      this.pending()
      this.pending = null
    } else if (this.closedContact) {
      this.closedContact = false
      this.out.up(at)
    }
  }

  /** Drops a closing still waiting (the board is going away). */
  stop(): void {
    this.pending?.()
    this.pending = null
  }
}
