/**
 * Reports over a named period or any range (local dates in the office time zone, `to`
 * inclusive), grouped by officer, counter or office, compared with the previous period and a
 * year before; their CSV (UTF-8 with a BOM, so Excel shows Vietnamese names) and XLSX; the
 * chart's time series; and the report a unit prints in the official layout.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { HttpError, scope } from '../auth.ts'
import type { GroupBy } from '../../report.ts'
import { parsePeriod, periodMs, rangePeriod, type Period as PeriodRange } from '../../reports/periods.ts'
import { buildPeriodReport, type PeriodReport } from '../../reports/period-report.ts'
import { reportCsv } from '../../reports/csv.ts'
import { inSnapshot } from '../../reports/snapshot.ts'
import { localTime } from '../../local-time.ts'
import { auditHead } from '../../audit.ts'
import { ratingSeries } from '../series.ts'
import { ratingScale } from '../../config.ts'

const DATE = '^\\d{4}-\\d{2}-\\d{2}$'
const Period = {
  from: Type.String({ pattern: DATE, description: 'First local date, YYYY-MM-DD' }),
  to: Type.String({ pattern: DATE, description: 'Last local date (inclusive), YYYY-MM-DD' }),
  office: Type.Optional(Type.String({ maxLength: 64 })),
}
/** A named period (`2026-Q4`, periods.ts) or a range of local dates, both inclusive. */
const NamedPeriod = {
  period: Type.Optional(Type.String({ maxLength: 16, description: 'A month (2026-11), quarter (2026-Q4), 6 months (2026-H1), 9 months (2026-9M) or year (2026); instead of from/to' })),
  from: Type.Optional(Period.from),
  to: Type.Optional(Period.to),
  office: Period.office,
}
const By = Type.Union([Type.Literal('officer'), Type.Literal('counter'), Type.Literal('office')], { default: 'officer' })
const ReportQuery = Type.Object({ ...NamedPeriod, by: By, minRatings: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })) })
const ExportQuery = Type.Object({ ...ReportQuery.properties, sep: Type.Optional(Type.Union([Type.Literal('comma'), Type.Literal('semicolon')], { description: 'CSV separator; semicolon for Excel in a Vietnamese locale' })) })

function namedPeriod(q: { period?: string; from?: string; to?: string }): PeriodRange {
  if (q.period) return parsePeriod(q.period)
  if (!q.from || !q.to) throw new HttpError(400, 'give "period", or "from" and "to"')
  return rangePeriod(q.from, q.to)
}

export function period(from: string, to: string, timezone: string): { fromMs: number; toMs: number } {
  return periodMs(rangePeriod(from, to), timezone)
}

export const reportRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const tz = ctx.config.timezone
  const scale = ratingScale(ctx.config)

  const report = (req: { query: { period?: string; from?: string; to?: string; office?: string; by: GroupBy; minRatings?: number } } & Parameters<typeof scope>[0]): PeriodReport => {
    const officeId = scope(req, req.query.office)
    const p = namedPeriod(req.query)
    return buildPeriodReport(ctx.db, { period: p, timezone: tz, by: req.query.by, officeId: officeId ?? undefined, minRatings: req.query.minRatings, scale }, (_db, q) => ctx.reports(q))
  }
  const fileName = (r: PeriodReport, ext: string) => `chamdiem-${r.officeId ?? 'all'}-${r.by}-${r.period.from}-${r.period.to}.${ext}`.replace(/[^A-Za-z0-9_.-]/g, '_')

  app.get('/api/reports', { schema: { querystring: ReportQuery } }, async (req) => report(req))

  app.get('/api/reports.csv', { schema: { querystring: ExportQuery } }, async (req, reply) => {
    const r = report(req)
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName(r, 'csv')}"`)
      .send('\uFEFF' + reportCsv(r, { separator: req.query.sep === 'semicolon' ? ';' : ',' }))
  })

  app.get('/api/reports.xlsx', { schema: { querystring: ReportQuery } }, async (req, reply) => {
    const r = report(req)
    const unit = ctx.config.report.unit || (r.officeId ? (ctx.registry.office(r.officeId)?.name ?? r.officeId) : '')
    // exceljs is loaded on the first export, not at start: an idle gateway never holds it.
    const { reportWorkbook } = await import('../../reports/xlsx.ts')
    const body = await reportWorkbook(r, { unit, generatedAt: ctx.now() })
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${fileName(r, 'xlsx')}"`)
      .send(body)
  })

  app.get(
    '/api/reports/series',
    { schema: { querystring: Type.Object({ ...Period, by: Type.Optional(By), key: Type.Optional(Type.String({ maxLength: 64 })) }) } },
    async (req) => {
      const officeId = scope(req, req.query.office)
      const p = period(req.query.from, req.query.to, tz)
      return { ...ratingSeries(ctx.db, { ...p, timezone: tz, officeId, by: req.query.by, key: req.query.key, scale }), scale }
    },
  )

  // The report a unit prints and signs, in the official layout (print.js): both groupings
  // of one period, from one snapshot, with the unit's header and signatories from the config.
  app.get(
    '/api/reports/official',
    { schema: { querystring: Type.Object({ ...NamedPeriod, office: Type.String({ minLength: 1, maxLength: 64 }), date: Type.Optional(Type.String({ pattern: DATE, description: 'Date of the document (default: today, local)' })) }) } },
    async (req) => {
      const officeId = scope(req, req.query.office)!
      const office = ctx.registry.office(officeId)
      if (!office) throw new HttpError(404, `unknown office ${officeId}`)
      const p = namedPeriod(req.query)
      const q = { period: p, timezone: tz, officeId, scale }
      const both = inSnapshot(ctx.db, () => ({
        byOfficer: buildPeriodReport(ctx.db, { ...q, by: 'officer' }, (_db, rq) => ctx.reports(rq)),
        byCounter: buildPeriodReport(ctx.db, { ...q, by: 'counter' }, (_db, rq) => ctx.reports(rq)),
        // The history behind these figures, read in the same snapshot (audit.ts auditHead).
        audit: auditHead(ctx.db),
      }))
      const layout = ctx.config.report
      return {
        office,
        layout: { ...layout, unit: layout.unit || office.name },
        period: p,
        date: req.query.date ?? localTime(ctx.now(), tz).date,
        generatedAt: ctx.now(),
        timezone: tz,
        ...both,
      }
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
      const q = { ...p, officeId, scale }
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
        daily: ratingSeries(ctx.db, { fromMs: p.fromMs, toMs: p.toMs, timezone: tz, officeId, scale }).points,
        // Always monthly for the printed table, whatever the chart step.
        months: [0, 1, 2].map((k) => {
          const m = quarter * 3 - 2 + k
          const from = `${year}-${String(m).padStart(2, '0')}-01`
          const to = new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10)
          return { month: from.slice(0, 7), ...ctx.reports({ ...period(from, to, tz), officeId, by: 'office', scale }).totals }
        }),
      }
    },
  )
}
