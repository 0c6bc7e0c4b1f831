/**
 * The audit trail on the dashboard: who signed whom in, moved a box, edited a shift or an
 * account, and from where (audit.ts). Admins see every office, an office head their own; a
 * period is local dates with `to` inclusive, as reports, and takes the entries made in the
 * period or taking effect in it, so the CSV exported with a report explains its figures. The
 * CSV keeps each entry's hashes, so a copy can be checked against the chain later.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { scope } from '../auth.ts'
import { auditEntries, verifyAudit, type AuditEntry } from '../../audit.ts'
import { period } from './reports.ts'

const DATE = '^\\d{4}-\\d{2}-\\d{2}$'
const AuditQuery = Type.Object({
  from: Type.String({ pattern: DATE, description: 'First local date, YYYY-MM-DD' }),
  to: Type.String({ pattern: DATE, description: 'Last local date (inclusive), YYYY-MM-DD' }),
  office: Type.Optional(Type.String({ maxLength: 64 })),
  counter: Type.Optional(Type.String({ maxLength: 64 })),
  officer: Type.Optional(Type.String({ maxLength: 64 })),
  format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
  sep: Type.Union([Type.Literal('comma'), Type.Literal('semicolon')], { default: 'comma', description: 'CSV separator (semicolon: Excel in a Vietnamese locale)' }),
})
const READERS = { roles: ['admin' as const, 'head' as const] }
/** One page of the dashboard; the CSV export has no limit. */
const JSON_LIMIT = 5000

const CSV_HEADERS = ['Số', 'Thời điểm', 'Người thực hiện', 'Từ đâu', 'Hành động', 'Đối tượng', 'Đơn vị', 'Quầy', 'Cán bộ', 'Có hiệu lực từ', 'Chi tiết', 'Mã băm trước', 'Mã băm']

export const auditRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/audit', { config: READERS, schema: { querystring: AuditQuery } }, async (req, reply) => {
    const q = req.query
    const officeId = scope(req, q.office)
    const { fromMs, toMs } = period(q.from, q.to, ctx.config.timezone)
    const filter = { fromMs, toMs, officeId, counterId: q.counter, officerId: q.officer }
    if (q.format === 'json') {
      const entries = auditEntries(ctx.db, { ...filter, limit: JSON_LIMIT + 1 })
      return { from: fromMs, to: toMs, entries: entries.slice(0, JSON_LIMIT), truncated: entries.length > JSON_LIMIT }
    }
    const sep = q.sep === 'semicolon' ? ';' : ','
    const time = localStamp(ctx.config.timezone)
    const rows = auditEntries(ctx.db, filter).map((e: AuditEntry) =>
      [e.id, time(e.at), e.actor, e.source, e.action, e.subject, e.officeId, e.counterId, e.officerId, e.effectiveAt === null ? null : time(e.effectiveAt), e.details, e.prevHash, e.hash],
    )
    const body = '\ufeff' + [CSV_HEADERS, ...rows].map((r) => r.map((v) => csvCell(v, sep)).join(sep)).join('\r\n') + '\r\n'
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="nhat-ky-${q.from}_${q.to}.csv"`)
      .send(body)
  })

  /** Whether the chain is intact (admins): the dashboard shows it on the audit page. */
  app.get('/api/audit/verify', { config: { roles: ['admin'] } }, async () => verifyAudit(ctx.db))
}

/** dd/mm/yyyy hh:mm:ss in the office's time zone, as Vietnamese documents write dates. */
function localStamp(timeZone: string): (ms: number) => string {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
  return (ms) => f.format(new Date(ms)).replace(',', '')
}

function csvCell(v: unknown, sep: string): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  // A value starting with = + - @ would run as a formula in Excel (CSV injection): quote it.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return s.includes(sep) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
