/**
 * Reports over any period, grouped by officer, counter or office. Repeats (presses within the
 * cooldown) and bursts (beyond a human rate, press-rate.ts) are counted apart, each on its own,
 * and left out of the ratings: no count adds them in. Totals are checked: the groups add
 * up to the period's total, or the report throws rather than print a wrong figure. Groups and
 * total are read from one snapshot (reports/snapshot.ts). Periods, comparisons and exports:
 * reports/.
 */
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import { figures, rankByLowerBound, type Figures, MIN_RATINGS } from './stats.ts'
import { inSnapshot } from './reports/snapshot.ts'

export type GroupBy = 'officer' | 'counter' | 'office'

export interface ReportRow extends Figures {
  /** Officer, counter or office id; `unattributed` / `unassigned` for presses without one. */
  key: string
  name: string
  officeId: string | null
  repeats: number
  bursts: number
  rank: number | null
}

export interface Report {
  from: number
  to: number
  by: GroupBy
  officeId: string | null
  rows: ReportRow[]
  /** clockBad: presses of the period received while the host clock was known bad (flagged; counted unless clock.countWhileBad is false). */
  totals: Figures & { repeats: number; bursts: number; clockBad: number }
}

export interface ReportQuery {
  fromMs: number
  toMs: number
  by: GroupBy
  /** Limit to one office (an office head's view). */
  officeId?: string
  minRatings?: number
}

const GROUP_COLUMN: Record<GroupBy, string> = { officer: 'p.officer_id', counter: 'p.counter_id', office: 'p.office_id' }
const NAME_SQL: Record<GroupBy, string> = {
  officer: '(SELECT name FROM officers WHERE id = g.key)',
  counter: '(SELECT name FROM counters WHERE id = g.key)',
  office: '(SELECT name FROM offices WHERE id = g.key)',
}
export const NO_OFFICER = 'unattributed'
export const NO_COUNTER = 'unassigned'

export function buildReport(db: Db, q: ReportQuery): Report {
  if (!(q.fromMs < q.toMs)) throw new Error(`report period is empty: from ${new Date(q.fromMs).toISOString()} is not before to ${new Date(q.toMs).toISOString()}`)
  // The groups and the total from one snapshot: they must add up even while presses arrive.
  return inSnapshot(db, () => readReport(db, q))
}

function readReport(db: Db, q: ReportQuery): Report {
  const col = GROUP_COLUMN[q.by]
  const office = q.officeId ?? null
  const rows = sql(
    db,
    `SELECT g.key, ${NAME_SQL[q.by]} AS name, g.office_id AS officeId, g.positive, g.neutral, g.negative, g.repeats, g.bursts FROM (
         SELECT ${col} AS key, MIN(p.office_id) AS office_id,
                SUM(p.rating = 'positive' AND p.repeat = 0) AS positive,
                SUM(p.rating = 'neutral' AND p.repeat = 0) AS neutral,
                SUM(p.rating = 'negative' AND p.repeat = 0) AS negative,
                SUM(p.repeat = 1 AND p.burst = 0) AS repeats,
                SUM(p.burst) AS bursts
           FROM presses p
          WHERE p.time_ms >= ? AND p.time_ms < ? AND (? IS NULL OR p.office_id = ?)
          GROUP BY ${col}) g`,
  ).all(q.fromMs, q.toMs, office, office) as Array<{
    key: string | null
    name: string | null
    officeId: string | null
    positive: number
    neutral: number
    negative: number
    repeats: number
    bursts: number
  }>
  const total = sql(
    db,
    `SELECT SUM(rating = 'positive' AND repeat = 0) AS positive, SUM(rating = 'neutral' AND repeat = 0) AS neutral,
              SUM(rating = 'negative' AND repeat = 0) AS negative, SUM(repeat = 1 AND burst = 0) AS repeats, SUM(burst) AS bursts,
              SUM(clock_bad) AS clockBad
         FROM presses WHERE time_ms >= ? AND time_ms < ? AND (? IS NULL OR office_id = ?)`,
  ).get(q.fromMs, q.toMs, office, office) as { positive: number | null; neutral: number | null; negative: number | null; repeats: number | null; bursts: number | null; clockBad: number | null }
  const min = q.minRatings ?? MIN_RATINGS
  const missing = q.by === 'officer' ? NO_OFFICER : NO_COUNTER
  const built = rows.map((r) => ({
    key: r.key ?? missing,
    name: r.name ?? (r.key ?? missing),
    officeId: r.officeId,
    repeats: r.repeats,
    bursts: r.bursts,
    rank: null as number | null,
    ...figures(r, min),
  }))
  const ranked = rankByLowerBound(built)
  let rank = 0
  for (const r of ranked) r.rank = r.tooFew || r.key === missing ? null : ++rank
  const totals = { ...figures({ positive: total.positive ?? 0, neutral: total.neutral ?? 0, negative: total.negative ?? 0 }, min), repeats: total.repeats ?? 0, bursts: total.bursts ?? 0, clockBad: total.clockBad ?? 0 }
  checkTotals(ranked, totals)
  return { from: q.fromMs, to: q.toMs, by: q.by, officeId: office, rows: ranked, totals }
}

function checkTotals(rows: ReportRow[], totals: Figures & { repeats: number; bursts: number }): void {
  for (const k of ['positive', 'neutral', 'negative', 'repeats', 'bursts'] as const) {
    const sum = rows.reduce((s, r) => s + r[k], 0)
    if (sum !== totals[k]) throw new Error(`report totals do not add up: ${k} groups sum to ${sum}, period total is ${totals[k]}`)
  }
}
