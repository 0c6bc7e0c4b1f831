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
import { figures, levelSums, rankByLowerBound, type Figures, MIN_RATINGS } from './stats.ts'
import { DEFAULT_SCALE, scaleDefinition, type RatingScale } from '../protocol/index.ts'
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
  /** The deployment's levels, best first: one count per level in every row and the totals. */
  scale: RatingScale
  /** How the satisfaction rate and the index are defined on this scale, as reports print it. */
  definition: Record<'vi' | 'en', { satisfaction: string; index: string }>
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
  /** The deployment's rating scale (config `ratingScale`); default three levels. */
  scale?: RatingScale
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
  const scale = q.scale ?? DEFAULT_SCALE
  const ids = scale.map((l) => `g."${l.id}"`).join(', ')
  const rows = sql(
    db,
    `SELECT g.key, ${NAME_SQL[q.by]} AS name, g.office_id AS officeId, ${ids}, g.repeats, g.bursts FROM (
         SELECT ${col} AS key, MIN(p.office_id) AS office_id,
                ${levelSums(scale, 'p', ' AND p.repeat = 0')},
                SUM(p.repeat = 1 AND p.burst = 0) AS repeats,
                SUM(p.burst) AS bursts
           FROM presses p
          WHERE p.time_ms >= ? AND p.time_ms < ? AND (? IS NULL OR p.office_id = ?)
          GROUP BY ${col}) g`,
  ).all(q.fromMs, q.toMs, office, office) as Array<Record<string, number | null> & {
    key: string | null
    name: string | null
    officeId: string | null
    repeats: number
    bursts: number
  }>
  const total = sql(
    db,
    `SELECT ${levelSums(scale, '', ' AND repeat = 0')}, SUM(repeat = 1 AND burst = 0) AS repeats, SUM(burst) AS bursts,
              SUM(clock_bad) AS clockBad
         FROM presses WHERE time_ms >= ? AND time_ms < ? AND (? IS NULL OR office_id = ?)`,
  ).get(q.fromMs, q.toMs, office, office) as Record<string, number | null> & { repeats: number | null; bursts: number | null; clockBad: number | null }
  const min = q.minRatings ?? MIN_RATINGS
  const missing = q.by === 'officer' ? NO_OFFICER : NO_COUNTER
  const counts = (r: Record<string, number | null>) => Object.fromEntries(scale.map((l) => [l.id, r[l.id] ?? 0]))
  const built = rows.map((r) => ({
    key: r.key ?? missing,
    name: r.name ?? (r.key ?? missing),
    officeId: r.officeId,
    repeats: r.repeats,
    bursts: r.bursts,
    rank: null as number | null,
    ...figures(counts(r), min, scale),
  }))
  const ranked = rankByLowerBound(built)
  let rank = 0
  for (const r of ranked) r.rank = r.tooFew || r.key === missing ? null : ++rank
  const totals = { ...figures(counts(total), min, scale), repeats: total.repeats ?? 0, bursts: total.bursts ?? 0, clockBad: total.clockBad ?? 0 }
  checkTotals(ranked, totals, scale)
  const definition = { vi: scaleDefinition(scale, 'vi'), en: scaleDefinition(scale, 'en') }
  return { from: q.fromMs, to: q.toMs, by: q.by, officeId: office, scale, definition, rows: ranked, totals }
}

function checkTotals(rows: ReportRow[], totals: Figures & { repeats: number; bursts: number }, scale: RatingScale): void {
  for (const k of [...scale.map((l) => l.id), 'repeats', 'bursts'] as const) {
    const sum = rows.reduce((s, r) => s + (r[k] ?? 0), 0)
    if (sum !== totals[k]) throw new Error(`report totals do not add up: ${k} groups sum to ${sum}, period total is ${totals[k]}`)
  }
}
