/**
 * The drill-down below a centre: counters of a centre, officers of a counter, and one officer
 * (a person: by staff code, or by centre and officer id) with where their ratings came from.
 * The province and centre levels use province-queries.ts `ranking`. As there, the viewer's
 * scope (null or a head's centre) is part of every WHERE clause, and repeats are left out.
 */
import type pg from 'pg'
import { LEVEL_IDS, type RatingScale } from '../../protocol/index.ts'
import { rankByLowerBound, type RatingCounts } from '../stats.ts'
import type { RankedRow, Scope } from './province-queries.ts'
import { PRESS_COUNTS as COUNTS, countsOf, provinceFigures, type ProvinceFigures } from './province-scale.ts'

interface CountRow {
  key: string | null
  name: string | null
  centre_id: string | null
  centre_name: string | null
}

/** Rows with their figures on the province's scale, ranked by the Wilson lower bound (too few ratings: no rank). */
function ranked(rows: CountRow[], noKey: string, scale: RatingScale): RankedRow[] {
  const built = rows.map((r) => ({
    ...provinceFigures(countsOf(r as unknown as Record<string, unknown>), scale),
    key: r.key ?? noKey,
    name: r.name ?? r.key ?? noKey,
    centreId: r.centre_id,
    centreName: r.centre_name,
    rank: null as number | null,
  }))
  let rank = 0
  const out = rankByLowerBound(built)
  for (const r of out) r.rank = r.tooFew ? null : ++rank
  return out
}

/** The sum of rows' counts (every level, outside the scale too) as one unit's figures. */
export function sumFigures(rows: RatingCounts[], scale: RatingScale): ProvinceFigures {
  const c: RatingCounts = {}
  for (const r of rows) for (const k of LEVEL_IDS) c[k] = (c[k] ?? 0) + (r[k] ?? 0)
  return provinceFigures(c, scale)
}

/** A counter of a centre by id: its name, or null when the centre has no such counter. */
export async function counterName(
  client: pg.Pool,
  centre: string,
  counter: string,
): Promise<string | null> {
  const { rows } = await client.query<{ name: string }>(
    'SELECT name FROM chamdiem.counters WHERE centre_id = $1 AND id = $2',
    [centre, counter],
  )
  return rows[0]?.name ?? null
}

export async function centreName(client: pg.Pool, centre: string): Promise<string | null> {
  const { rows } = await client.query<{ name: string }>(
    'SELECT name FROM chamdiem.centres WHERE id = $1',
    [centre],
  )
  return rows[0]?.name ?? null
}

/** Counters of one centre over [fromMs, toMs); presses of no counter are key "unassigned". */
export async function countersOf(
  client: pg.Pool,
  centre: string,
  fromMs: number,
  toMs: number,
  scale: RatingScale,
): Promise<RankedRow[]> {
  const { rows } = await client.query<CountRow>(
    `SELECT p.counter_id AS key, min(q.name) AS name, p.centre_id, min(c.name) AS centre_name, ${COUNTS}
       FROM chamdiem.presses p
       JOIN chamdiem.centres c ON c.id = p.centre_id
       LEFT JOIN chamdiem.counters q ON q.centre_id = p.centre_id AND q.id = p.counter_id
      WHERE NOT p.repeat AND p.centre_id = $1 AND p.time_ms >= $2 AND p.time_ms < $3
      GROUP BY p.centre_id, p.counter_id`,
    [centre, fromMs, toMs],
  )
  return ranked(rows, 'unassigned', scale)
}

/**
 * Officers over [fromMs, toMs) at one counter of a centre, keyed as the province ranking keys
 * them (staff code, else centre/officer), so a row links to the same person's page.
 */
export async function officersAt(
  client: pg.Pool,
  centre: string,
  counter: string,
  fromMs: number,
  toMs: number,
  scale: RatingScale,
): Promise<RankedRow[]> {
  const { rows } = await client.query<CountRow>(
    `SELECT CASE WHEN p.officer_id IS NULL THEN NULL ELSE coalesce(o.staff_code, p.centre_id || '/' || p.officer_id) END AS key,
            min(o.name) AS name, p.centre_id, min(c.name) AS centre_name, ${COUNTS}
       FROM chamdiem.presses p
       JOIN chamdiem.centres c ON c.id = p.centre_id
       LEFT JOIN chamdiem.officers o ON o.centre_id = p.centre_id AND o.id = p.officer_id
      WHERE NOT p.repeat AND p.centre_id = $1 AND p.counter_id = $2 AND p.time_ms >= $3 AND p.time_ms < $4
      GROUP BY 1, p.centre_id`,
    [centre, counter, fromMs, toMs],
  )
  return ranked(rows, 'unattributed', scale)
}

export interface Person {
  key: string
  name: string
  staffCode: string | null
  /** The (centre, officer id) records of this person the viewer may see. */
  records: Array<{ centreId: string; centreName: string; officerId: string }>
}

/**
 * The person behind a ranking key: a staff code (every centre's officer record carrying it)
 * or "centre/officer". Only records in the viewer's scope: a head learns nothing of the same
 * person's time at another centre. Null when nothing in scope matches.
 */
export async function person(client: pg.Pool, scope: Scope, key: string): Promise<Person | null> {
  const slash = key.indexOf('/')
  const { rows } = await client.query<{
    centre_id: string
    centre_name: string
    id: string
    name: string
    staff_code: string | null
  }>(
    `SELECT o.centre_id, c.name AS centre_name, o.id, o.name, o.staff_code
       FROM chamdiem.officers o JOIN chamdiem.centres c ON c.id = o.centre_id
      WHERE ($1::text IS NOT NULL AND o.staff_code = $1 OR $1::text IS NULL AND o.staff_code IS NULL AND o.centre_id = $2 AND o.id = $3)
        AND ($4::text IS NULL OR o.centre_id = $4)
      ORDER BY o.centre_id`,
    slash < 0 ? [key, null, null, scope] : [null, key.slice(0, slash), key.slice(slash + 1), scope],
  )
  if (rows.length === 0) return null
  return {
    key,
    name: rows[0].name,
    staffCode: rows[0].staff_code,
    records: rows.map((r) => ({
      centreId: r.centre_id,
      centreName: r.centre_name,
      officerId: r.id,
    })),
  }
}

/** One person's ratings over [fromMs, toMs) per centre and counter where they were given. */
export async function personByCounter(
  client: pg.Pool,
  who: Person,
  fromMs: number,
  toMs: number,
  scale: RatingScale,
): Promise<RankedRow[]> {
  const { rows } = await client.query<CountRow>(
    `SELECT p.centre_id || '/' || coalesce(p.counter_id, '') AS key, coalesce(min(q.name), p.counter_id) AS name,
            p.centre_id, min(c.name) AS centre_name, ${COUNTS}
       FROM chamdiem.presses p
       JOIN unnest($1::text[], $2::text[]) AS w(centre_id, officer_id) ON w.centre_id = p.centre_id AND w.officer_id = p.officer_id
       JOIN chamdiem.centres c ON c.id = p.centre_id
       LEFT JOIN chamdiem.counters q ON q.centre_id = p.centre_id AND q.id = p.counter_id
      WHERE NOT p.repeat AND p.time_ms >= $3 AND p.time_ms < $4
      GROUP BY p.centre_id, p.counter_id`,
    [who.records.map((r) => r.centreId), who.records.map((r) => r.officerId), fromMs, toMs],
  )
  return ranked(rows, 'unassigned', scale)
}
