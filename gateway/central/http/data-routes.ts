/**
 * What a logged-in province user reads:
 *   GET /api/live[?centre=]                      today's counts per centre and officer
 *   GET /api/ranking?by=centre|officer&<period>[&centre=][&format=csv]
 *   GET /api/drill?<period>[&centre=[&counter=]][&officer=<key>][&format=csv]
 *       one level of province -> centre -> counter -> officer: its own figures and the
 *       level below (a centre also lists its officers)
 * <period> is periods.ts's: period=2026-Q2 (or period=quarter&year=2026&n=2) or from=&to=.
 * Each answer carries `scale` (the province's levels) and `outsideScale` (levels the rows count
 * that the scale lacks: province-scale.ts); CSV has Vietnamese headers, or ids with header=ids.
 *
 * A head sees only their centre: asking for another is "not found" (404), as if it did not
 * exist, and the scope is part of each query (province-queries.ts), never a filter after it.
 * Nothing here changes anything: viewers and oversight read what the gateways forwarded.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type pg from 'pg'
import { startOfLocalDay } from '../../local-time.ts'
import type { RatingScale } from '../../../protocol/index.ts'
import { live, ranking, type RankedRow, type Scope } from '../province-queries.ts'
import { rankingToCsv } from '../province-csv.ts'
import { outsideLevels } from '../province-scale.ts'
import {
  centreName,
  counterName,
  countersOf,
  officersAt,
  person,
  personByCounter,
  sumFigures,
} from '../drill-queries.ts'
import type { ProvinceUser } from '../province-server.ts'
import { askedPeriod, type AskedPeriod, type PeriodQuery } from './periods.ts'
import { HttpError } from './sessions.ts'

export interface DataDeps {
  pool: pg.Pool
  timeZone: string
  now: () => number
  /** The province's rating scale: the levels shown and the figures' scale (province-scale.ts). */
  scale: RatingScale
}

/** The centres a user may see: a head only their own (asking for another is "not found"). */
export function scopeOf(user: ProvinceUser, centre: string | undefined): Scope {
  if (user.role === 'head') {
    if (centre !== undefined && centre !== user.centre)
      throw new HttpError(404, 'no such centre', 'NOT_FOUND')
    return user.centre!
  }
  return centre || null
}

/**
 * What every answer says of the scale: the province's levels (the columns to show), and the
 * levels outside it that the rows count (each with its label), or none.
 */
function scaleOf(scale: RatingScale, rows: RankedRow[][]) {
  return { scale, outsideScale: outsideLevels(rows.flat(), scale) }
}

function csv(reply: FastifyReply, name: string, p: AskedPeriod, rows: RankedRow[], scale: RatingScale, header: string | undefined): string {
  if (header !== undefined && header !== 'ids' && header !== 'labels') throw new HttpError(400, 'header must be labels or ids')
  void reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header(
      'content-disposition',
      `attachment; filename="${name}-${p.label.replace(/[^\w.-]/g, '_')}.csv"`,
    )
  return rankingToCsv(rows, scale, outsideLevels(rows, scale), header === 'ids' ? 'ids' : 'labels')
}

type DrillLevel = 'province' | 'centre' | 'counter' | 'officer'
interface Crumb {
  level: DrillLevel
  id: string | null
  name: string
}

export function dataRoutes(app: FastifyInstance, deps: DataDeps): void {
  const { pool, scale } = deps
  const user = (req: { provinceUser: ProvinceUser | null }) => req.provinceUser!

  app.get<{ Querystring: { centre?: string } }>('/api/live', async (req) => {
    const since = startOfLocalDay(deps.now(), deps.timeZone)
    const rows = await live(pool, scopeOf(user(req), req.query.centre), since)
    // Live rows carry all five counts; the page shows the scale's and any outside level counted.
    return { since, scale, outsideScale: outsideLevels(rows, scale), rows }
  })

  app.get<{ Querystring: PeriodQuery & { by?: string; centre?: string; format?: string; header?: string } }>(
    '/api/ranking',
    async (req, reply) => {
      const q = req.query
      const by = q.by ?? 'centre'
      if (by !== 'centre' && by !== 'officer')
        throw new HttpError(400, 'by must be centre or officer')
      const p = askedPeriod(q, deps.timeZone)
      const rows = await ranking(pool, scopeOf(user(req), q.centre), by, p.fromMs, p.toMs, { scale })
      if (q.format === 'csv') return csv(reply, `ranking-${by}`, p, rows, scale, q.header)
      return { period: p, by, ...scaleOf(scale, [rows]), rows }
    },
  )

  app.get<{
    Querystring: PeriodQuery & {
      centre?: string
      counter?: string
      officer?: string
      format?: string
      header?: string
    }
  }>('/api/drill', async (req, reply) => {
    const q = req.query
    const u = user(req)
    const p = askedPeriod(q, deps.timeZone)
    const scope = scopeOf(u, q.centre)
    const path: Crumb[] = [{ level: 'province', id: null, name: '' }]
    let level: DrillLevel = 'province'
    let by: 'centre' | 'counter' | 'officer' = 'centre'
    let rows: RankedRow[]
    let officers: RankedRow[] | undefined
    let own = null
    if (q.centre) {
      const name = await centreName(pool, q.centre)
      if (name === null) throw new HttpError(404, 'no such centre', 'NOT_FOUND')
      path.push({ level: 'centre', id: q.centre, name })
    }
    if (q.centre && q.counter) {
      const name = await counterName(pool, q.centre, q.counter)
      if (name === null) throw new HttpError(404, 'no such counter', 'NOT_FOUND')
      path.push({ level: 'counter', id: q.counter, name })
    }
    if (q.officer) {
      // A person is seen through the viewer's scope: a head, only their centre's records.
      const who = await person(pool, u.role === 'head' ? scope : null, q.officer)
      if (!who) throw new HttpError(404, 'no such officer', 'NOT_FOUND')
      path.push({ level: 'officer', id: who.key, name: who.name })
      level = 'officer'
      by = 'counter'
      rows = await personByCounter(pool, who, p.fromMs, p.toMs, scale)
    } else if (q.centre && q.counter) {
      level = 'counter'
      by = 'officer'
      rows = await officersAt(pool, q.centre, q.counter, p.fromMs, p.toMs, scale)
    } else if (q.centre) {
      level = 'centre'
      by = 'counter'
      rows = await countersOf(pool, q.centre, p.fromMs, p.toMs, scale)
      officers = await ranking(pool, q.centre, 'officer', p.fromMs, p.toMs, { scale })
    } else {
      rows = await ranking(pool, scope, 'centre', p.fromMs, p.toMs, { scale })
    }
    // A unit's figures are the sum of the level below (each press counts in exactly one row).
    own = sumFigures(rows, scale)
    if (q.format === 'csv') return csv(reply, `${level}-${by}`, p, rows, scale, q.header)
    return { period: p, level, path, ...scaleOf(scale, [rows, officers ?? []]), figures: own, below: { by, rows }, officers }
  })
}
