/**
 * Reports over any period (local dates in the office time zone, `to` inclusive), grouped by
 * officer, counter or office; their CSV (UTF-8 with a BOM, so Excel shows Vietnamese names);
 * the chart's time series; and the quarterly report an office prints for its province.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { HttpError, scope } from '../auth.ts'
import { reportToCsv } from '../../report.ts'
import { localMidnight } from '../../local-time.ts'
import { ratingSeries } from '../series.ts'

const DATE = '^\\d{4}-\\d{2}-\\d{2}$'
const Period = {
  from: Type.String({ pattern: DATE, description: 'First local date, YYYY-MM-DD' }),
  to: Type.String({ pattern: DATE, description: 'Last local date (inclusive), YYYY-MM-DD' }),
  office: Type.Optional(Type.String({ maxLength: 64 })),
}
const By = Type.Union([Type.Literal('officer'), Type.Literal('counter'), Type.Literal('office')], { default: 'officer' })
const ReportQuery = Type.Object({ ...Period, by: By, minRatings: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })) })

function dayAfter(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}

/** A calendar date this gateway can report on: it exists (no 30 February) and lies in 2000-2099. */
function checkDate(name: string, date: string): void {
  const [y, m, d] = date.split('-').map(Number)
  const real = new Date(Date.UTC(y, m - 1, d))
  if (real.getUTCFullYear() !== y || real.getUTCMonth() !== m - 1 || real.getUTCDate() !== d) {
    throw new HttpError(400, `"${name}": ${date} is not a calendar date`)
  }
  if (y < 2000 || y > 2099) throw new HttpError(400, `"${name}": ${date} is outside the dates reports cover (2000-01-01 to 2099-12-31)`)
}

export function period(from: string, to: string, timezone: string): { fromMs: number; toMs: number } {
  checkDate('from', from)
  checkDate('to', to)
  const fromMs = localMidnight(from, timezone)
  const toMs = localMidnight(dayAfter(to), timezone)
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new HttpError(400, 'invalid date')
  if (!(fromMs < toMs)) throw new HttpError(400, '"from" must not be after "to"')
  if (toMs - fromMs > 3700 * 86400_000) throw new HttpError(400, 'period longer than ten years')
  return { fromMs, toMs }
}

export const reportRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const tz = ctx.config.timezone

  app.get('/api/reports', { schema: { querystring: ReportQuery } }, async (req) => {
    const officeId = scope(req, req.query.office)
    const p = period(req.query.from, req.query.to, tz)
    return ctx.reports({ ...p, by: req.query.by, officeId: officeId ?? undefined, minRatings: req.query.minRatings })
  })

  app.get('/api/reports.csv', { schema: { querystring: ReportQuery } }, async (req, reply) => {
    const officeId = scope(req, req.query.office)
    const p = period(req.query.from, req.query.to, tz)
    const report = ctx.reports({ ...p, by: req.query.by, officeId: officeId ?? undefined, minRatings: req.query.minRatings })
    const name = `chamdiem-${officeId ?? 'all'}-${req.query.by}-${req.query.from}-${req.query.to}.csv`
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}"`)
      .send('\uFEFF' + reportToCsv(report))
  })

  app.get(
    '/api/reports/series',
    { schema: { querystring: Type.Object({ ...Period, by: Type.Optional(By), key: Type.Optional(Type.String({ maxLength: 64 })) }) } },
    async (req) => {
      const officeId = scope(req, req.query.office)
      const p = period(req.query.from, req.query.to, tz)
      return ratingSeries(ctx.db, { ...p, timezone: tz, officeId, by: req.query.by, key: req.query.key })
    },
  )

  app.get(
    '/api/reports/quarterly',
    {
      schema: {
        querystring: Type.Object({
          office: Type.String({ minLength: 1, maxLength: 64 }),
          year: Type.Integer({ minimum: 2000, maximum: 2100 }),
          quarter: Type.Integer({ minimum: 1, maximum: 4 }),
        }),
      },
    },
    async (req) => {
      const officeId = scope(req, req.query.office)!
      const office = ctx.registry.office(officeId)
      if (!office) throw new HttpError(404, `unknown office ${officeId}`)
      const { year, quarter } = req.query
      const first = `${year}-${String(quarter * 3 - 2).padStart(2, '0')}-01`
      const lastMonthEnd = new Date(Date.UTC(year, quarter * 3, 0)).toISOString().slice(0, 10)
      const p = period(first, lastMonthEnd, tz)
      const q = { ...p, officeId }
      return {
        office,
        year,
        quarter,
        from: first,
        to: lastMonthEnd,
        timezone: tz,
        generatedAt: ctx.now(),
        byOfficer: ctx.reports({ ...q, by: 'officer' }),
        byCounter: ctx.reports({ ...q, by: 'counter' }),
        daily: ratingSeries(ctx.db, { fromMs: p.fromMs, toMs: p.toMs, timezone: tz, officeId }).points,
        // Always monthly for the printed table, whatever the chart step.
        months: [0, 1, 2].map((k) => {
          const m = quarter * 3 - 2 + k
          const from = `${year}-${String(m).padStart(2, '0')}-01`
          const to = new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10)
          return { month: from.slice(0, 7), ...ctx.reports({ ...period(from, to, tz), officeId, by: 'office' }).totals }
        }),
      }
    },
  )
}
