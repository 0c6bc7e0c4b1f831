/**
 * The scheduled report by e-mail (config `notify.report`): daily, the previous local day;
 * weekly, the seven days before the day it is sent. At `at` local time (the gateway's time
 * zone), each office with recipients gets its own report, the rows attached as CSV (report.ts,
 * the same report the dashboard exports). The due time is read from the gateway's clock, so a
 * test that moves the clock moves the schedule; a run missed while the gateway was down is not
 * made up at start (the dashboard has every period).
 */
import type { Db } from '../store/database.ts'
import type { Clock } from '../clock.ts'
import type { Logger } from '../log.ts'
import { buildPeriodReport } from '../reports/period-report.ts'
import { rangePeriod } from '../reports/periods.ts'
import { reportCsv } from '../reports/csv.ts'
import { localTime, parseHhMm, startOfLocalDay } from '../local-time.ts'
import type { NotifyConfig } from './notify-config.ts'
import type { Notifier } from './notifier.ts'
import { reportMail } from './messages.ts'
import type { RatingScale } from '../../protocol/index.ts'

const TICK_MS = 30_000

export interface ReportMailDeps {
  db: Db
  config: NotifyConfig
  timezone: string
  notifier: Notifier
  offices: () => Array<{ id: string; name: string }>
  log: Logger
  now: Clock
  /** How often the clock is looked at (tests shorten it). */
  tickMs?: number
  /** The deployment's rating scale (config ratingScale); default three levels. */
  scale?: RatingScale
}

export class ReportMail {
  readonly name = 'report-mail'
  private timer?: NodeJS.Timeout
  private nextAt = 0
  private lastSentAt: number | null = null

  constructor(private readonly deps: ReportMailDeps) {}

  start(): void {
    this.nextAt = this.nextRun(this.deps.now())
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? TICK_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  status(): { schedule: string; nextAt: string; lastSentAt: string | null } {
    return { schedule: this.deps.config.report.schedule, nextAt: new Date(this.nextAt).toISOString(), lastSentAt: this.lastSentAt === null ? null : new Date(this.lastSentAt).toISOString() }
  }

  /** Sends when the clock has reached the next due time (also what the timer does). */
  tick(): void {
    const now = this.deps.now()
    if (now < this.nextAt) return
    const due = this.nextAt
    this.nextAt = this.nextRun(now)
    try {
      this.send(due)
      this.lastSentAt = now
    } catch (err) {
      this.deps.log.error({ err }, 'scheduled report failed')
    }
  }

  /** Builds and queues each office's report for the period that ends on the day of `at`. */
  send(at: number): void {
    const { config, timezone, db } = this.deps
    const schedule = config.report.schedule === 'weekly' ? 'weekly' : 'daily'
    const toMs = startOfLocalDay(at, timezone)
    let fromMs = toMs
    // Day by day, so a day of 23 or 25 hours (DST elsewhere) is still one day.
    for (let i = 0; i < (schedule === 'weekly' ? 7 : 1); i++) fromMs = startOfLocalDay(fromMs - 3600_000, timezone)
    for (const office of this.deps.offices()) {
      const to = [...new Set(config.recipients.filter((r) => r.reports && (r.office === '*' || r.office === office.id)).flatMap((r) => r.to))]
      if (to.length === 0) continue
      const first = localTime(fromMs, timezone).date
      const last = localTime(toMs - 1, timezone).date
      // The report the dashboard exports for these dates (Vietnamese CSV, with its comparisons).
      const report = buildPeriodReport(db, { period: rangePeriod(first, last), timezone, by: config.report.by, officeId: office.id, scale: this.deps.scale })
      const filename = `bao-cao-${office.id}-${first}${first === last ? '' : `-${last}`}.csv`
      const words = reportMail(
        { officeName: office.name, fromMs, toMs, schedule, total: report.totals.total, satisfaction: report.totals.satisfaction, negative: report.scale.filter((l) => !l.satisfied).reduce((n, l) => n + (report.totals[l.id] ?? 0), 0),
          negativeLabels: report.scale.filter((l) => !l.satisfied).map((l) => l.label).join('" + "'),
          satisfiedLabels: report.scale.filter((l) => l.satisfied).map((l) => l.label).join(' + '), rows: report.rows.length },
        timezone,
      )
      // A BOM so Excel reads the Vietnamese names as UTF-8 (as the dashboard's export does).
      this.deps.notifier.mail(`${schedule} report ${office.id}`, { to, ...words, attachments: [{ filename, content: '\uFEFF' + reportCsv(report), contentType: 'text/csv; charset=utf-8' }] })
    }
  }

  /** The next due time after `now`: `at` local time, on `weekday` when weekly. */
  private nextRun(now: number): number {
    const { timezone, config } = this.deps
    const minute = parseHhMm(config.report.at)
    let day = startOfLocalDay(now, timezone)
    for (let i = 0; i < 9; i++) {
      const at = day + minute * 60_000
      const dayOk = config.report.schedule !== 'weekly' || localTime(day + 12 * 3600_000, timezone).weekday === config.report.weekday
      if (at > now && dayOk) return at
      day = startOfLocalDay(day + 25 * 3600_000, timezone)
    }
    return now + 86_400_000
  }
}
