/**
 * A report for a named period (month, quarter, 6 or 9 months, year, any range) that answers
 * what an office head asks next: better or worse than the previous period of the same length,
 * and than the same period a year before? Per row (officer, counter or office) and for the
 * total: the figures then and the change (presses, and satisfaction in percentage points);
 * a trend per row over the period's days or months; and the hour x weekday heat map. All of
 * it read from one snapshot of the store, so every part agrees with every other.
 */
import type { Db } from '../store/database.ts'
import { buildReport, type GroupBy, type Report, type ReportQuery, type ReportRow } from '../report.ts'
import type { Figures } from '../stats.ts'
import type { RatingScale } from '../../protocol/index.ts'
import { inSnapshot } from './snapshot.ts'
import { periodMs, previousPeriod, yearBefore, type Period } from './periods.ts'
import { buildTrend, type Trend } from './trend.ts'
import { buildHeatMap, type HeatMap } from './heatmap.ts'

/** A row's (or the total's) figures in a comparison period, and the change since. */
export interface Change {
  before: { total: number; satisfaction: number | null; rank: number | null } | null
  /** Counted presses now minus then (then = 0 when the row had none). */
  total: number
  /** Satisfaction now minus then, as a fraction (0.05 = 5 points); null when either has no ratings. */
  satisfaction: number | null
}

export interface ComparedRow extends ReportRow {
  vsPrevious: Change
  vsYearAgo: Change
}

export interface PeriodReport extends Omit<Report, 'rows'> {
  period: Period
  timezone: string
  rows: ComparedRow[]
  previous: { period: Period; totals: Report['totals'] }
  yearAgo: { period: Period; totals: Report['totals'] }
  totalsVsPrevious: Change
  totalsVsYearAgo: Change
  trend: Trend
  heatmap: HeatMap
}

export interface PeriodReportQuery {
  period: Period
  timezone: string
  by: GroupBy
  officeId?: string
  minRatings?: number
  /** The deployment's rating scale (config ratingScale); default three levels. */
  scale?: RatingScale
}

/** `build` is the one report of a period (report.ts; the HTTP app's seam for tests). */
export function buildPeriodReport(db: Db, q: PeriodReportQuery, build: (db: Db, q: ReportQuery) => Report = buildReport): PeriodReport {
  return inSnapshot(db, () => {
    const at = (p: Period) => build(db, { ...periodMs(p, q.timezone), by: q.by, officeId: q.officeId, minRatings: q.minRatings, scale: q.scale })
    const prevPeriod = previousPeriod(q.period)
    const agoPeriod = yearBefore(q.period)
    const now = at(q.period)
    const prev = at(prevPeriod)
    const ago = at(agoPeriod)
    const prevByKey = new Map(prev.rows.map((r) => [r.key, r]))
    const agoByKey = new Map(ago.rows.map((r) => [r.key, r]))
    const ms = periodMs(q.period, q.timezone)
    return {
      ...now,
      period: q.period,
      timezone: q.timezone,
      rows: now.rows.map((r) => ({ ...r, vsPrevious: change(r, prevByKey.get(r.key)), vsYearAgo: change(r, agoByKey.get(r.key)) })),
      previous: { period: prevPeriod, totals: prev.totals },
      yearAgo: { period: agoPeriod, totals: ago.totals },
      totalsVsPrevious: change(now.totals, prev.totals),
      totalsVsYearAgo: change(now.totals, ago.totals),
      trend: buildTrend(db, { period: q.period, timezone: q.timezone, by: q.by, officeId: q.officeId, scale: q.scale }),
      heatmap: buildHeatMap(db, { ...ms, timezone: q.timezone, officeId: q.officeId, scale: q.scale }),
    }
  })
}

function change(now: Figures, then: (Figures & { rank?: number | null }) | undefined): Change {
  const had = then && then.total > 0 ? then : undefined
  return {
    before: had ? { total: had.total, satisfaction: had.satisfaction, rank: had.rank ?? null } : null,
    total: now.total - (had?.total ?? 0),
    satisfaction: had && now.satisfaction !== null && had.satisfaction !== null ? now.satisfaction - had.satisfaction : null,
  }
}
