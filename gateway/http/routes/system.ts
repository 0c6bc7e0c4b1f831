/**
 * /api/health (no session: for load balancers, systemd watchdogs and the demo) and /metrics
 * (Prometheus text format). /metrics answers without a session only to a scraper on the
 * gateway host itself (loopback); from anywhere else it needs an admin session. Prometheus in
 * the office network scrapes through a local agent or a reverse proxy that adds nothing but
 * reachability; the figures are office-wide totals, not per officer.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppContext } from '../app.ts'
import { HttpError } from '../auth.ts'
import { StoreMetrics } from '../store-metrics.ts'
import { formatPrometheus, type MetricSample } from '../../metrics.ts'
import { ping } from '../../store/database.ts'

/**
 * What the gateway reports of itself: either a `status`, or gateway.ts's `health()` shape
 * (`ok` false when a core part is down; `parts` with a failed optional part = degraded).
 */
export interface HealthReport {
  status?: 'ok' | 'degraded' | 'down'
  ok?: boolean
  parts?: Array<{ name: string; state: string }>
}

export function healthStatus(r: HealthReport): 'ok' | 'degraded' | 'down' {
  if (r.status) return r.status
  if (r.ok === false) return 'down'
  return r.parts?.some((p) => p.state === 'failed') ? 'degraded' : 'ok'
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

export const systemRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/health', { config: { public: true } }, async (_req, reply) => {
    let report: HealthReport
    try {
      ping(ctx.db)
      report = await ctx.health()
    } catch (err) {
      ctx.log.error({ err }, 'health check failed')
      report = { status: 'down' }
    }
    const status = healthStatus(report)
    return reply.code(status === 'down' ? 503 : 200).send({ ...report, status, time: new Date(ctx.now()).toISOString() })
  })

  const store = new StoreMetrics({ db: ctx.db, bus: ctx.bus })
  store.start()
  app.addHook('onClose', async () => store.stop())

  app.get('/metrics', { config: { public: true } }, async (req, reply) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '') || req.headers['x-forwarded-for']) {
      if (!req.session) throw new HttpError(401, 'login required', 'LOGIN_REQUIRED')
      if (req.session.user.role !== 'admin') throw new HttpError(403, 'admins only', 'ADMIN_ONLY')
    }
    const alerts = ctx.alerts.list()
    const gauge = (name: string, help: string, value: number, labels?: Record<string, string>): MetricSample => ({ name, help, type: 'gauge', value, labels })
    const samples = [
      ...store.samples(),
      ...['frowns', 'boxOffline', 'rejected', 'burst', 'tampering', 'system'].map((kind) =>
        gauge('chamdiem_alerts', 'Current dashboard alerts by kind', alerts.filter((a) => a.kind === kind).length, { kind }),
      ),
      gauge('chamdiem_live_clients', 'Dashboards connected to the live stream', ctx.hub.size),
      gauge('process_resident_memory_bytes', 'Resident memory', process.memoryUsage().rss),
      gauge('process_uptime_seconds', 'Seconds since the process started', Math.round(process.uptime())),
    ]
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(formatPrometheus([...samples, ...ctx.extraMetrics()]))
  })
}
// Keep the TypeBox import used for future response schemas of health.
export const HealthSchema = Type.Object({ status: Type.String() }, { additionalProperties: true })
