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
      ctx.db.prepare('SELECT 1').get()
      report = await ctx.health()
    } catch (err) {
      ctx.log.error({ err }, 'health check failed')
      report = { status: 'down' }
    }
    const status = healthStatus(report)
    return reply.code(status === 'down' ? 503 : 200).send({ ...report, status, time: new Date(ctx.now()).toISOString() })
  })

  // Counters since the process started, seeded from the database at the first scrape, then
  // kept by the bus: no full table scan per scrape.
  let seeded = false
  const presses = new Map<string, number>()
  let rejected = 0
  const seed = () => {
    if (seeded) return
    seeded = true
    for (const r of ctx.db.prepare('SELECT rating, repeat, count(*) AS n FROM presses GROUP BY rating, repeat').all() as Array<{ rating: string; repeat: number; n: number }>) {
      presses.set(`${r.rating}|${r.repeat ? 'true' : 'false'}`, r.n)
    }
    rejected = (ctx.db.prepare('SELECT count(*) AS n FROM rejected').get() as { n: number }).n
  }
  const offPress = ctx.bus.on('press', 'metrics', (p) => {
    if (!seeded) return
    const k = `${p.rating}|${p.repeat}`
    presses.set(k, (presses.get(k) ?? 0) + 1)
  })
  const offRejected = ctx.bus.on('rejected', 'metrics', () => {
    if (seeded) rejected++
  })
  app.addHook('onClose', async () => {
    offPress()
    offRejected()
  })

  app.get('/metrics', { config: { public: true } }, async (req, reply) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '') || req.headers['x-forwarded-for']) {
      if (!req.session) throw new HttpError(401, 'login required')
      if (req.session.user.role !== 'admin') throw new HttpError(403, 'admins only')
    }
    seed()
    const lines: string[] = []
    const metric = (name: string, type: string, help: string, samples: Array<[Record<string, string>, number]>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const [labels, v] of samples) {
        const l = Object.entries(labels).map(([k, val]) => `${k}="${val.replace(/["\\\n]/g, '_')}"`).join(',')
        lines.push(`${name}${l ? `{${l}}` : ''} ${v}`)
      }
    }
    metric('chamdiem_presses_total', 'counter', 'Presses stored, by rating; repeat="true" are left out of counts', [
      ...[...presses].map(([k, n]): [Record<string, string>, number] => {
        const [rating, repeat] = k.split('|')
        return [{ rating, repeat }, n]
      }),
    ])
    metric('chamdiem_rejected_total', 'counter', 'Messages that could not be counted', [[{}, rejected]])
    const boxes = ctx.db
      .prepare("SELECT coalesce(last_state, 'offline') AS state, count(*) AS n FROM boxes WHERE retired_at IS NULL GROUP BY 1")
      .all() as Array<{ state: string; n: number }>
    metric('chamdiem_boxes', 'gauge', 'Provisioned boxes by last known state', ['online', 'offline'].map((s) => [{ state: s }, boxes.find((b) => b.state === s)?.n ?? 0]))
    const alerts = ctx.alerts.list()
    metric('chamdiem_alerts', 'gauge', 'Current dashboard alerts by kind', ['frowns', 'boxOffline', 'rejected', 'burst'].map((k) => [{ kind: k }, alerts.filter((a) => a.kind === k).length]))
    metric('chamdiem_live_clients', 'gauge', 'Dashboards connected to the live stream', [[{}, ctx.hub.size]])
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory', [[{}, process.memoryUsage().rss]])
    metric('process_uptime_seconds', 'gauge', 'Seconds since the process started', [[{}, Math.round(process.uptime())]])
    const extra = ctx.extraMetrics()
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(lines.join('\n') + '\n' + extra)
  })
}
// Keep the TypeBox import used for future response schemas of health.
export const HealthSchema = Type.Object({ status: Type.String() }, { additionalProperties: true })
