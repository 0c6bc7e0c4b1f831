/**
 * A counting gate: at most `limit` holders at once, the rest wait in arrival order. The fleet
 * passes one to every box so that thousands of boxes connect a few dozen at a time (a TLS-less
 * MQTT CONNECT is cheap, but a thousand at once still overruns the broker's accept backlog).
 */
export class Gate {
  private held = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly limit: number) {}

  /** Resolves with a release function once a slot is free. Call the release exactly once. */
  async enter(): Promise<() => void> {
    if (this.held >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.held++
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.held--
    }
  }
}
