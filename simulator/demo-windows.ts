/**
 * The demo's queue system (issue 13): at some counters a queue system opens a rating window
 * whenever the officer ends a ticket (here: every `everyMs` of real time), so the dashboard's
 * data and the window report show response rates: windows rated by the simulated citizens'
 * presses over windows opened. Counters without a queue system work as before (presses flagged
 * as outside any window, counted).
 */
import type { Gateway } from '../gateway/gateway.ts'
import { buildWindowReport } from '../gateway/window-report.ts'

export interface DemoWindowsOptions {
  gw: Gateway
  counters: string[]
  everyMs: number
  /** A line of response rates now and then (the demo's progress notes). */
  note: (text: string) => void
  noteEveryMs?: number
}

export class DemoWindows {
  private timer?: NodeJS.Timeout
  private noteTimer?: NodeJS.Timeout
  private readonly startedAt: number
  private n = 0

  constructor(private readonly opts: DemoWindowsOptions) {
    this.startedAt = opts.gw.now()
  }

  start(): void {
    this.timer = setInterval(() => this.openAll(), this.opts.everyMs)
    this.noteTimer = setInterval(() => this.opts.note(this.line()), this.opts.noteEveryMs ?? 30_000)
  }

  stop(): void {
    clearInterval(this.timer)
    clearInterval(this.noteTimer)
  }

  /** "response rate 63% (19/30 windows): q1 70%, q2 55%" since the demo started. */
  line(): string {
    const r = buildWindowReport(this.opts.gw.db, { fromMs: this.startedAt, toMs: this.opts.gw.now() + 1 })
    const pct = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)}%`)
    const per = r.byCounter.map((c) => `${c.id} ${pct(c.responseRate)}`).join(', ')
    return `rating windows: response rate ${pct(r.totals.responseRate)} (${r.totals.rated}/${r.totals.opened})${per ? `: ${per}` : ''}`
  }

  private openAll(): void {
    this.n++
    for (const counterId of this.opts.counters) {
      try {
        this.opts.gw.windows.openWindow({ counterId, reference: `${counterId.toUpperCase()}-${String(this.n).padStart(4, '0')}`, by: 'demo:queue' })
      } catch (err) {
        this.opts.note(`queue system: ${(err as Error).message}`)
      }
    }
  }
}
