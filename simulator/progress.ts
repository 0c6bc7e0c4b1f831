/**
 * The simulator's progress on stderr (stdout stays for results, e.g. `--json`): one line
 * redrawn in place on a terminal, a plain line every few seconds otherwise (CI logs, pipes).
 */
import type { Fleet } from './fleet.ts'

export interface ProgressOptions {
  fleet: Fleet
  /** Extra text in front, e.g. the simulated clock. */
  prefix?: () => string
  stream?: NodeJS.WriteStream
  intervalMs?: number
}

export class Progress {
  private timer: NodeJS.Timeout | undefined
  private readonly stream: NodeJS.WriteStream
  private readonly tty: boolean
  private drawn = false

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr
    this.tty = this.stream.isTTY === true
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), this.opts.intervalMs ?? (this.tty ? 250 : 5000))
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    if (this.tty && this.drawn) this.stream.write('\n')
    this.drawn = false
  }

  /** Prints a message without tearing the progress line. */
  note(text: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K')
    this.stream.write(`${text}\n`)
    this.drawn = false
    if (this.timer) this.draw()
  }

  line(): string {
    const t = this.opts.fleet.summary().totals
    const down = this.opts.fleet.boxes().filter((b) => b.isLinkDown).length
    const parts = [
      `boxes ${t.connected}/${t.boxes} online${down ? ` (${down} cut)` : ''}`,
      `sent ${t.presses}`,
      `acked ${t.acked}`,
      `queued ${t.queued}`,
      `repeats ${t.repeats.total}`,
      `garbage ${t.garbage}`,
    ]
    if (t.duplicates) parts.push(`dup ${t.duplicates}`)
    if (t.late) parts.push(`late ${t.late}`)
    if (t.resends) parts.push(`resent ${t.resends}`)
    const prefix = this.opts.prefix?.()
    return (prefix ? `${prefix} | ` : '') + parts.join(' | ')
  }

  draw(): void {
    const text = this.line()
    if (this.tty) {
      const width = this.stream.columns ?? 120
      this.stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`)
      this.drawn = true
    } else {
      this.stream.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`)
    }
  }
}
