/**
 * GET /api/reports/windows: the rating-window report (window-report.ts) over a period of local
 * dates, for the dashboard and, with a `read` token, for BI tools.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { scope } from '../auth.ts'
import { buildWindowReport } from '../../window-report.ts'
import { period } from './reports.ts'
import { signalLimits } from '../../alerts/tampering.ts'
import { localTime } from '../../local-time.ts'

const DATE = '^\\d{4}-\\d{2}-\\d{2}$'

export const windowReportRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/reports/windows',
    {
      schema: {
        summary: 'Rating windows: response rate per officer and counter, ratings per case reference, presses with no window, tampering signals',
        tags: ['windows'],
        querystring: Type.Object({
          from: Type.Optional(Type.String({ pattern: DATE, description: "First local date, YYYY-MM-DD (default: the gateway's today)" })),
          to: Type.Optional(Type.String({ pattern: DATE, description: "Last local date (inclusive), YYYY-MM-DD (default: the gateway's today)" })),
          office: Type.Optional(Type.String({ maxLength: 64 })),
        }),
      },
    },
    async (req) => {
      const officeId = scope(req, req.query.office)
      // "Today" is the gateway's: a dashboard's own clock may be off.
      const today = localTime(ctx.now(), ctx.config.timezone).date
      const p = period(req.query.from ?? today, req.query.to ?? today, ctx.config.timezone)
      // The signals by the same thresholds as the tampering alerts (alert rules).
      const report = buildWindowReport(ctx.db, { ...p, officeId, limits: signalLimits(ctx.alerts.settings()) })
      // Which rule applies to presses with no window, per office in view (windows.offices, else windows.noWindowCounts).
      const w = ctx.config.windows
      const offices = ctx.registry.offices().filter((o) => officeId === null || o.id === officeId)
      return { ...report, noWindowCounts: offices.map((o) => ({ officeId: o.id, counted: w.offices[o.id]?.noWindowCounts ?? w.noWindowCounts })) }
    },
  )
}
