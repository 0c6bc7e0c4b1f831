/**
 * A trend per officer (or counter, or office): its counts in each sub-period of a report
 * (days, or months for longer periods; periods.ts subPeriods). One query: the sub-periods'
 * bounds, computed in the office's time zone, go in as a JSON array and SQLite joins each to
 * its presses through the time index, so no local-midnight arithmetic is needed in SQL.
 * Repeats are left out, as everywhere.
 */
import { DEFAULT_SCALE, type RatingScale } from '../../protocol/index.ts'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { figures, levelSums, MIN_RATINGS, type RatingCounts } from '../stats.ts'
import { NO_COUNTER, NO_OFFICER, type GroupBy } from '../report.ts'
import { periodMs, type Period, subPeriods } from './periods.ts'

export interface TrendPoint {
  /** First and last local date of the sub-period. */
  from: string
  to: string
  total: number
  satisfaction: number | null
}

export interface Trend {
  step: 'day' | 'month'
  buckets: Array<{ from: string; to: string }>
  /** Per row key: one point per bucket, in order. */
  byKey: Record<string, TrendPoint[]>
}

const COLUMN: Record<GroupBy, string> = { officer: 'officer_id', counter: 'counter_id', office: 'office_id' }

export function buildTrend(db: Db, q: { period: Period; timezone: string; by: GroupBy; officeId?: string | null; scale?: RatingScale }): Trend {
  const scale = q.scale ?? DEFAULT_SCALE
  const subs = subPeriods(q.period)
  const bounds = subs.map((s) => {
    const ms = periodMs(s, q.timezone)
    return [ms.fromMs, ms.toMs]
  })
  const col = COLUMN[q.by]
  const rows = sql(
    db,
    `SELECT CAST(b.key AS INTEGER) AS i, p.${col} AS key, ${levelSums(scale, 'p')}
       FROM json_each(?) b
       JOIN presses p ON p.time_ms >= json_extract(b.value, '$[0]') AND p.time_ms < json_extract(b.value, '$[1]')
      WHERE p.repeat = 0 AND (? IS NULL OR p.office_id = ?)
      GROUP BY b.key, p.${col}`,
  ).all(JSON.stringify(bounds), q.officeId ?? null, q.officeId ?? null) as Array<RatingCounts & { i: number; key: string | null }>
  const missing = q.by === 'officer' ? NO_OFFICER : NO_COUNTER
  const empty = () => subs.map((s) => ({ from: s.from, to: s.to, total: 0, satisfaction: null as number | null }))
  const byKey: Record<string, TrendPoint[]> = {}
  for (const r of rows) {
    const key = r.key ?? missing
    const f = figures(r, MIN_RATINGS, scale)
    ;(byKey[key] ??= empty())[r.i] = { from: subs[r.i].from, to: subs[r.i].to, total: f.total, satisfaction: f.satisfaction }
  }
  return { step: subs[0]?.step ?? 'day', buckets: subs.map(({ from, to }) => ({ from, to })), byKey }
}
