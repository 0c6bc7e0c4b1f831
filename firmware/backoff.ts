/**
 * Exponential backoff with jitter, for reopening a lost serial port and reconnecting a link.
 * Jitter keeps a room full of boxes from hammering the gateway in step after a power cut.
 */
export interface BackoffOptions {
  minMs: number
  maxMs: number
  /** Fraction of the delay drawn at random either side (0.2 = ±20%). */
  jitter?: number
}

export class Backoff {
  private attempt = 0

  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt; each call doubles it up to maxMs. */
  next(): number {
    const base = Math.min(this.opts.maxMs, this.opts.minMs * 2 ** this.attempt)
    this.attempt = Math.min(this.attempt + 1, 30)
    const jitter = this.opts.jitter ?? 0.2
    return Math.max(0, Math.round(base * (1 + jitter * (Math.random() * 2 - 1))))
  }

  reset(): void {
    this.attempt = 0
  }

  get attempts(): number {
    return this.attempt
  }
}

/** A sleep that stop() can cut short: resolves false when cancelled. */
export class Sleeper {
  private wakeups = new Set<() => void>()

  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.wakeups.delete(wake)
        resolve(false)
      }
      const timer = setTimeout(() => {
        this.wakeups.delete(wake)
        resolve(true)
      }, ms)
      this.wakeups.add(wake)
    })
  }

  /** Wakes every sleeper at once (on stop, or when there is new work). */
  wakeAll(): void {
    for (const wake of [...this.wakeups]) wake()
  }
}
