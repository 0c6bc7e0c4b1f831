/**
 * The gateway's judgement of each press of a box: counted, a repeat (within the cooldown after
 * a counted press) or a burst (beyond a human rate). A box may flag more repeats, never fewer:
 * its `"repeat": true` is taken, its `"repeat": false` is not, the gateway's cooldown applies
 * anyway.
 *
 * State is per box, in memory, on the gateway's monotonic clock (press time = monotonic time
 * at receipt - ageMs), so a wall clock that jumps ahead or back neither silences later presses
 * nor unlocks them. After a restart the cooldown is seeded from the last counted press in the
 * store, its time clamped to now: a press stored with a future date (the clock once ran ahead)
 * counts as pressed just now, silencing at most one cooldown.
 *
 * Human rate: at most `burst.presses` presses (counted and repeats) of one box within any
 * `burst.windowMs` of press time. A citizen at a counter presses once, perhaps a few times
 * more while the LED blinks (repeats); 20 within 10 s (2 a second, sustained) is a stuck
 * button or a script. Presses beyond it are bursts: stored, not counted, not in the window.
 * Out-of-order presses older than what is kept (2 windows, 1 cooldown behind the newest) are
 * judged by the cooldown rule only, as before: a press dated before the last counted one is
 * not a repeat of it (a box's queued presses after an outage).
 */
export type Verdict = 'counted' | 'repeat' | 'burst'

export interface PressRateConfig {
  cooldownMs: number
  burst: { presses: number; windowMs: number }
}

interface BoxState {
  /** Monotonic time of the last counted press. */
  lastCounted: number | undefined
  /** Monotonic times of recent non-burst presses, ascending. */
  recent: number[]
}

export class PressRate {
  private readonly boxes = new Map<string, BoxState>()

  constructor(
    private readonly config: PressRateConfig,
    /** Monotonic time of the box's last counted press as stored (seed after a restart). */
    private readonly seed: (boxId: string) => number | undefined,
  ) {}

  judge(boxId: string, pressMono: number, boxSaysRepeat: boolean): Verdict {
    const s = this.state(boxId)
    if (this.beyondHumanRate(s.recent, pressMono)) return 'burst'
    insertSorted(s.recent, pressMono)
    this.prune(s.recent)
    const last = s.lastCounted
    const inCooldown = last !== undefined && pressMono >= last && pressMono - last < this.config.cooldownMs
    if (boxSaysRepeat || inCooldown) return 'repeat'
    if (last === undefined || pressMono > last) s.lastCounted = pressMono
    return 'counted'
  }

  /** A commit failed: what was judged was not stored; start again from the store. */
  forget(): void {
    this.boxes.clear()
  }

  /** True when `t` would make a window of `windowMs` hold more than `presses` presses. */
  private beyondHumanRate(recent: number[], t: number): boolean {
    const { presses, windowMs } = this.config.burst
    const near = recent.filter((x) => x > t - windowMs && x < t + windowMs)
    if (near.length < presses) return false
    insertSorted(near, t)
    for (let i = 0; i + presses < near.length; i++) {
      if (near[i + presses] - near[i] < windowMs) return true
    }
    return false
  }

  private prune(recent: number[]): void {
    const keep = Math.max(2 * this.config.burst.windowMs, this.config.cooldownMs)
    const from = recent[recent.length - 1] - keep
    let drop = 0
    while (drop < recent.length && recent[drop] < from) drop++
    if (drop > 0) recent.splice(0, drop)
  }

  private state(boxId: string): BoxState {
    let s = this.boxes.get(boxId)
    if (!s) {
      s = { lastCounted: this.seed(boxId), recent: [] }
      this.boxes.set(boxId, s)
    }
    return s
  }
}

function insertSorted(a: number[], t: number): void {
  let i = a.length
  while (i > 0 && a[i - 1] > t) i--
  a.splice(i, 0, t)
}
