/**
 * Ratings over time for the report chart: counts per local day (periods up to 92 days, so a
 * quarter is daily) or per local month, optionally for one officer, counter or office.
 * Repeats left out, as everywhere. (report.ts has no time series; this query lives here.)
 */
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { figures, levelSums, MIN_RATINGS, type Figures, type RatingCounts } from '../stats.ts'
import { DEFAULT_SCALE, type RatingScale } from '../../protocol/index.ts'
import { localTime, localMidnight } from '../local-time.ts'
import type { GroupBy } from '../report.ts'
import { NO_COUNTER, NO_OFFICER } from '../report.ts'

export interface SeriesPoint extends Figures {
  /** Local date (YYYY-MM-DD) of the bucket's first day. */
  bucket: string
  startMs: number
}

export interface Series {
  step: 'day' | 'month'
  points: SeriesPoint[]
}

const COLUMN: Record<GroupBy, string> = { officer: 'officer_id', counter: 'counter_id', office: 'office_id' }

export function ratingSeries(
  db: Db,
  q: { fromMs: number; toMs: number; timezone: string; officeId?: string | null; by?: GroupBy; key?: string; scale?: RatingScale },
): Series {
  const scale = q.scale ?? DEFAULT_SCALE
  const step: Series['step'] = q.toMs - q.fromMs <= 92 * 86400_000 + 3600_000 ? 'day' : 'month'
  // Bucket starts: local midnights (days) or the 1st of each month, from..to.
  const starts: Array<{ bucket: string; startMs: number }> = []
  let date = localTime(q.fromMs, q.timezone).date
  if (step === 'month') date = date.slice(0, 8) + '01'
  for (let guard = 0; guard < 5000; guard++) {
    const startMs = localMidnight(date, q.timezone)
    if (startMs >= q.toMs) break
    starts.push({ bucket: date, startMs: Math.max(startMs, q.fromMs) })
    date = next(date, step)
  }
  const counts = starts.map((): RatingCounts => ({}))
  let where = 'time_ms >= ? AND time_ms < ? AND repeat = 0 AND (? IS NULL OR office_id = ?)'
  const args: unknown[] = [q.fromMs, q.toMs, q.officeId ?? null, q.officeId ?? null]
  if (q.by && q.key) {
    const missing = q.key === (q.by === 'officer' ? NO_OFFICER : NO_COUNTER)
    where += missing ? ` AND ${COLUMN[q.by]} IS NULL` : ` AND ${COLUMN[q.by]} = ?`
    if (!missing) args.push(q.key)
  }
  // Grouped by 15-minute slot in SQL (every zone offset is a multiple of 15 minutes), then
  // slots go to their local day or month here: SQL cannot compute local midnights of an
  // arbitrary zone, and a year is only ~35,000 slots however many presses it holds.
  const SLOT = 15 * 60_000
  const rows = sql(
    db,
    `SELECT time_ms / ${SLOT} AS slot, ${levelSums(scale)}
         FROM presses WHERE ${where} GROUP BY slot ORDER BY slot`,
  ).all(...args) as Array<RatingCounts & { slot: number }>
  let i = 0
  for (const r of rows) {
    const t = r.slot * SLOT
    while (i + 1 < starts.length && t >= starts[i + 1].startMs) i++
    const c = counts[i]
    if (!c) continue
    for (const { id } of scale) c[id] = (c[id] ?? 0) + (r[id] ?? 0)
  }
  return { step, points: starts.map((s, k) => ({ ...s, ...figures(counts[k], MIN_RATINGS, scale) })) }
}

function next(date: string, step: 'day' | 'month'): string {
  const [y, m, d] = date.split('-').map(Number)
  const t = step === 'day' ? new Date(Date.UTC(y, m - 1, d + 1)) : new Date(Date.UTC(y, m, 1))
  return t.toISOString().slice(0, 10)
}
