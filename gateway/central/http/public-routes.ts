/**
 * GET /api/public/ranking?period=month|quarter&year=&n=   (or period=2026-Q1), no login,
 * served only when the province turns the public page on.
 *
 * What a province publishes (as M-Score's results were, in the press and on a website):
 * centres only, never officers; only a finished month or quarter; a centre with fewer
 * ratings than the minimum sample is left out, not shown with a misleading rate.
 */
import type { FastifyInstance } from 'fastify'
import type pg from 'pg'
import type { RatingScale } from '../../../protocol/index.ts'
import { ranking } from '../province-queries.ts'
import { askedPeriod, type PeriodQuery } from './periods.ts'
import { HttpError } from './sessions.ts'

export function publicRoutes(
  app: FastifyInstance,
  deps: { pool: pg.Pool; timeZone: string; now: () => number; scale: RatingScale },
): void {
  app.get<{ Querystring: PeriodQuery }>(
    '/api/public/ranking',
    { config: { public: true } },
    async (req) => {
      const q = req.query
      if (q.from !== undefined || q.to !== undefined)
        throw new HttpError(400, 'period must be month or quarter')
      const p = askedPeriod({ ...q, period: q.period ?? 'quarter' }, deps.timeZone)
      if (p.kind !== 'month' && p.kind !== 'quarter')
        throw new HttpError(400, 'period must be month or quarter')
      if (p.toMs > deps.now()) throw new HttpError(400, `${p.label} is not finished yet`, 'PERIOD_NOT_FINISHED')
      const rows = (await ranking(deps.pool, null, 'centre', p.fromMs, p.toMs, { scale: deps.scale })).filter(
        (r) => !r.tooFew,
      )
      return {
        period: p,
        rows: rows.map((r) => ({
          rank: r.rank,
          centre: r.name,
          total: r.total,
          satisfaction: r.satisfaction,
          index: r.index,
          wilsonLow: r.wilsonLow,
          wilsonHigh: r.wilsonHigh,
        })),
      }
    },
  )
}
