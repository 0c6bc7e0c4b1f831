/**
 * What the province's server asks of the central store. Every query takes the viewer's scope:
 * `null` (province admin, viewer, oversight: the whole province) or one centre id (a centre
 * head): the scope is a WHERE clause of each query, never a filter applied afterwards, so a
 * head of centre X cannot receive a row of centre Y.
 *
 * Officers are grouped by their province staff code when they have one (a person moved
 * between centres is one person), by (centre, officer id) otherwise. Repeats and bursts are
 * left out of every count, as in the gateway's reports.
 */
import type pg from 'pg'
import { DEFAULT_SCALE, LEVEL_IDS, type Rating, type RatingScale } from '../../protocol/index.ts'
import { rankByLowerBound } from '../stats.ts'
import { localMidnight, localTime, startOfLocalDay } from '../local-time.ts'
import { ROLLUP_COLUMNS } from './rollups.ts'
import { PRESS_COUNTS, countsOf, provinceFigures, type ProvinceFigures } from './province-scale.ts'

export type Scope = string | null
export type PeriodKind = 'month' | 'quarter' | 'half' | 'nine-months' | 'year'

export interface Period {
  kind: PeriodKind
  /** e.g. 2026-Q2, 2026-07, 2026-H1, 2026-9M, 2026 */
  label: string
  fromMs: number
  toMs: number
}

/**
 * The period of `kind` numbered `n` in `year`, in the province's time zone: month 1..12,
 * quarter 1..4, half 1..2; nine-months is January to September; year is the whole year.
 */
export function period(kind: PeriodKind, year: number, n: number, timeZone: string): Period {
  const months: Record<PeriodKind, [number, number, string]> = {
    month: [n, 1, `${year}-${String(n).padStart(2, '0')}`],
    quarter: [(n - 1) * 3 + 1, 3, `${year}-Q${n}`],
    half: [(n - 1) * 6 + 1, 6, `${year}-H${n}`],
    'nine-months': [1, 9, `${year}-9M`],
    year: [1, 12, `${year}`],
  }
  const [first, length, label] = months[kind]
  const max = kind === 'month' ? 12 : kind === 'quarter' ? 4 : kind === 'half' ? 2 : 1
  if (!Number.isInteger(n) || n < 1 || n > max) throw new RangeError(`${kind} number must be 1..${max}`)
  const date = (y: number, m: number) => `${y + Math.floor((m - 1) / 12)}-${String(((m - 1) % 12) + 1).padStart(2, '0')}-01`
  return { kind, label, fromMs: localMidnight(date(year, first), timeZone), toMs: localMidnight(date(year, first + length), timeZone) }
}

export interface RankedRow extends ProvinceFigures {
  rank: number | null
  key: string
  name: string
  centreId: string | null
  centreName: string | null
}

/** The roll-up columns, one per level id; `sum(x) AS x, ...` of them. */
const COLUMNS = LEVEL_IDS.map((r) => ROLLUP_COLUMNS[r])
const SUMS = (alias: string) => COLUMNS.map((c) => `sum(${alias}${c}) AS ${c}`).join(', ')

/**
 * How a period [fromMs, toMs) is read: its whole roll-up days [firstDay, endDay) from the
 * daily roll-ups (schema.ts), and the parts before startMs and from endMs on from the
 * presses. A period of whole days (every report period) reads no presses at all; a period
 * shorter than a day reads only presses. Both give the same counts.
 */
export interface PeriodSplit {
  firstDay: string
  endDay: string
  startMs: number
  endMs: number
}

export async function splitPeriod(client: pg.Pool | pg.Client, fromMs: number, toMs: number): Promise<PeriodSplit> {
  const { rows } = await client.query<{ time_zone: string }>('SELECT time_zone FROM chamdiem.rollup_settings')
  const zone = rows[0].time_zone
  const first = startOfLocalDay(fromMs, zone)
  const startMs = first === fromMs ? fromMs : startOfLocalDay(first + 36 * 3600_000, zone)
  const endMs = startOfLocalDay(toMs, zone)
  if (startMs >= endMs) return { firstDay: '1970-01-01', endDay: '1970-01-01', startMs: toMs, endMs: toMs }
  return { firstDay: localTime(startMs, zone).date, endDay: localTime(endMs, zone).date, startMs, endMs }
}

/**
 * Counts per centre (and officer): roll-up days plus the presses of the period's partial days,
 * summed to one row per centre (officer) before any join, so a quarter's ~10^5 officer-days
 * become ~10^3 rows. $1..$4: the two press ranges, $5, $6: the days, $7: the scope.
 */
function periodCounts(by: 'centre' | 'officer'): string {
  const keys = by === 'officer' ? 'centre_id, officer_id' : 'centre_id'
  const pressKeys = by === 'officer' ? 'p.centre_id, p.officer_id' : 'p.centre_id'
  return `SELECT ${keys}, ${SUMS('')} FROM (
    SELECT ${keys}, ${COLUMNS.join(', ')} FROM chamdiem.${by === 'centre' ? 'daily_centres' : 'daily_officers'}
     WHERE day >= $5::date AND day < $6::date AND ${COLUMNS.join(' + ')} > 0 AND ($7::text IS NULL OR centre_id = $7)
    UNION ALL
    SELECT ${pressKeys}, ${PRESS_COUNTS}
      FROM chamdiem.presses p
     WHERE NOT p.repeat ${by === 'officer' ? 'AND p.officer_id IS NOT NULL ' : ''}AND ($7::text IS NULL OR p.centre_id = $7)
       AND ((p.time_ms >= $1 AND p.time_ms < $2) OR (p.time_ms >= $3 AND p.time_ms < $4))
     GROUP BY ${pressKeys}
  ) u GROUP BY ${keys}`
}

/**
 * Ranking of centres or officers over [fromMs, toMs), by the Wilson lower bound. From the
 * daily roll-ups for the whole days (`rollups: false` reads presses only: the reference the
 * roll-ups are tested and benchmarked against). Figures on `scale`, the province's
 * (province-scale.ts: presses at levels outside it are counted, under their ids).
 */
export async function ranking(
  client: pg.Pool | pg.Client,
  scope: Scope,
  by: 'centre' | 'officer',
  fromMs: number,
  toMs: number,
  opts: { rollups?: boolean; scale?: RatingScale } = {},
): Promise<RankedRow[]> {
  const split: PeriodSplit = opts.rollups === false ? { firstDay: '1970-01-01', endDay: '1970-01-01', startMs: toMs, endMs: toMs } : await splitPeriod(client, fromMs, toMs)
  const sqlText =
    by === 'centre'
      ? `SELECT c.id AS key, c.name, c.id AS centre_id, c.name AS centre_name,
                ${SUMS('k.')}
           FROM (${periodCounts('centre')}) k JOIN chamdiem.centres c ON c.id = k.centre_id
          GROUP BY c.id, c.name ORDER BY 1`
      : `SELECT coalesce(o.staff_code, k.centre_id || '/' || k.officer_id) AS key,
                min(o.name) AS name,
                CASE WHEN count(DISTINCT k.centre_id) = 1 THEN min(k.centre_id) END AS centre_id,
                string_agg(DISTINCT c.name, ', ') AS centre_name,
                ${SUMS('k.')}
           FROM (${periodCounts('officer')}) k
           JOIN chamdiem.centres c ON c.id = k.centre_id
           LEFT JOIN chamdiem.officers o ON o.centre_id = k.centre_id AND o.id = k.officer_id
          GROUP BY 1 ORDER BY 1`
  const { rows } = await client.query<{ key: string; name: string | null; centre_id: string | null; centre_name: string | null }>(
    sqlText,
    [fromMs, split.startMs, split.endMs, toMs, split.firstDay, split.endDay, scope],
  )
  const built = rows.map((r) => ({
    ...provinceFigures(countsOf(r), opts.scale ?? DEFAULT_SCALE),
    key: r.key,
    name: r.name ?? r.key,
    centreId: r.centre_id,
    centreName: r.centre_name,
    rank: null as number | null,
  }))
  const ranked = rankByLowerBound(built)
  let rank = 0
  for (const r of ranked) r.rank = r.tooFew ? null : ++rank
  return ranked
}

/** Today's counts of one centre and officer: one per level id, all five (the page sums them on its scale). */
export interface LiveRow extends Record<Rating, number> {
  centreId: string
  centreName: string
  officerId: string | null
  officerName: string | null
}

/** Counts since `sinceMs` (the start of today) per centre and officer. */
export async function live(client: pg.Pool, scope: Scope, sinceMs: number): Promise<LiveRow[]> {
  const { rows } = await client.query<{ centre_id: string; centre_name: string; officer_id: string | null; officer_name: string | null }>(
    `SELECT p.centre_id, c.name AS centre_name, p.officer_id, o.name AS officer_name, ${PRESS_COUNTS}
       FROM chamdiem.presses p
       JOIN chamdiem.centres c ON c.id = p.centre_id
       LEFT JOIN chamdiem.officers o ON o.centre_id = p.centre_id AND o.id = p.officer_id
      WHERE NOT p.repeat AND p.time_ms >= $1 AND ($2::text IS NULL OR p.centre_id = $2)
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 3`,
    [sinceMs, scope],
  )
  return rows.map((r) => ({
    centreId: r.centre_id,
    centreName: r.centre_name,
    officerId: r.officer_id,
    officerName: r.officer_name,
    ...countsOf(r),
  }))
}
