/**
 * The dashboard and JSON API as one Fastify app, built from the gateway's parts so tests can
 * drive it with `app.inject()` (model: fastify/demo src/app.ts). server.ts only listens.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Db } from '../store/database.ts'
import type { Registry } from '../registry.ts'
import type { GatewayBus } from '../events.ts'
import { ratingScale, type GatewayConfig } from '../config.ts'
import type { Logger } from '../log.ts'
import type { MetricSample } from '../metrics.ts'
import { buildReport, type Report, type ReportQuery } from '../report.ts'
import type { Alerts } from '../alerts/alerts.ts'
import { Accounts } from './accounts.ts'
import { authHook, HttpError } from './auth.ts'
import { errorBody } from './error-codes.ts'
import { registerStatic } from './static.ts'
import { LiveQuery } from './live-query.ts'
import { LiveHub } from './live-hub.ts'
import { sessionRoutes } from './routes/session.ts'
import { liveRoutes } from './routes/live.ts'
import { alertRoutes } from './routes/alerts.ts'
import { reportRoutes } from './routes/reports.ts'
import { registryRoutes } from './routes/registry.ts'
import { boxRoutes } from './routes/boxes.ts'
import { dutyRoutes } from './routes/duty.ts'
import { userRoutes } from './routes/users.ts'
import { systemRoutes, type HealthReport } from './routes/system.ts'
import { auditRoutes } from './routes/audit.ts'
import { meRoutes } from './routes/me.ts'
import { wallRoutes } from './routes/wall.ts'
import { windowRoutes } from './routes/windows.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { windowReportRoutes } from './routes/window-reports.ts'
import { tokenAuth } from './token-auth.ts'
import { openApi } from './openapi.ts'
import { IntegrationTokens } from '../integration-tokens.ts'
import type { Windows } from '../windows.ts'

export interface HttpDeps {
  db: Db
  registry: Registry
  bus: GatewayBus
  config: GatewayConfig
  log: Logger
  /** Builds a report; defaults to report.ts buildReport on `db`. */
  reports?: (q: ReportQuery) => Report
  /** The gateway's health for /api/health; defaults to "ok" with the database reachable. */
  health?: () => HealthReport | Promise<HealthReport>
  /** The gateway's one Alerts service (built and started by parts.ts, shared with the live stream). */
  alerts: Alerts
  /** Clock, for tests. */
  now?: () => number
  /** More /metrics samples from the gateway's other parts (ingest, forwarder). */
  extraMetrics?: () => MetricSample[]
  /** Rating windows (issue 13); without them the window routes are not served. */
  windows?: Windows
  /** Integration tokens (the gateway's, shared with MQTT); default one on `db`. */
  tokens?: IntegrationTokens
}

/** What the route modules get: the deps with defaults filled in, plus the app's own parts. */
export interface AppContext extends Required<Omit<HttpDeps, 'now' | 'windows' | 'tokens'>> {
  accounts: Accounts
  live: LiveQuery
  hub: LiveHub
  now: () => number
}

export type App = FastifyInstance

export async function buildApp(deps: HttpDeps, opts: { logger?: boolean; heartbeatMs?: number } = {}): Promise<App> {
  const log = deps.log.child({ area: 'http' })
  const app = Fastify({
    loggerInstance: opts.logger === false ? undefined : log,
    // Requests are not logged one by one (SSE, polling); errors and logins are.
    logController: new LogController({ disableRequestLogging: true }),
    // A login form or an admin change is small; reports are GETs.
    bodyLimit: 64 * 1024,
    trustProxy: false,
    // No stack traces or internals in validation messages beyond the path and problem.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  const { alerts } = deps
  const live = new LiveQuery(deps.db, deps.registry, deps.config.timezone, ratingScale(deps.config))
  const hub = new LiveHub({ bus: deps.bus, alerts, officeOfBox: (id) => deps.registry.officeOfBox(id), log, heartbeatMs: opts.heartbeatMs })
  const ctx: AppContext = {
    ...deps,
    log,
    reports: deps.reports ?? ((q) => buildReport(deps.db, q)),
    health: deps.health ?? (() => ({ status: 'ok' })),
    extraMetrics: deps.extraMetrics ?? (() => []),
    accounts: new Accounts(deps.db, deps.now),
    alerts,
    live,
    hub,
    now: deps.now ?? Date.now,
  }

  app.decorateRequest('session', null)
  await app.register(cookie)
  // Only the login route is limited (config.rateLimit on the route): guessing passwords.
  await app.register(rateLimit, { global: false })

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    // Registry, account and HTTP errors carry their status (statusCode), as Fastify's own do,
    // and a stable code the page translates (error-codes.ts).
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500
    if (status >= 500) {
      // The client learns nothing of the internals; the log has everything.
      req.log.error({ err, url: req.url, method: req.method }, 'request failed')
    }
    return reply.code(status).send(errorBody(status, err as Parameters<typeof errorBody>[1]))
  })
  app.setNotFoundHandler((req, reply) => {
    // Unknown paths answer 401 too without a session, so they reveal nothing.
    if (!req.session) return reply.code(401).send({ error: 'login required', code: 'LOGIN_REQUIRED' })
    return reply.code(404).send({ error: 'not found', code: 'NOT_FOUND' })
  })

  const tokens = deps.tokens ?? new IntegrationTokens(deps.db, deps.registry, ctx.now)
  app.addHook('onRequest', authHook(ctx.accounts, tokenAuth(tokens)))
  // Before the routes: the OpenAPI document collects them as they are registered.
  await openApi(app as unknown as FastifyInstance)

  app.addHook('onReady', async () => hub.start())
  // Event streams never end by themselves: end them before the server waits for connections.
  app.addHook('preClose', async () => hub.stop())

  const page = registerStatic(app)
  await app.register(sessionRoutes, { ctx })
  await app.register(liveRoutes, { ctx })
  await app.register(alertRoutes, { ctx })
  await app.register(reportRoutes, { ctx })
  await app.register(registryRoutes, { ctx })
  await app.register(boxRoutes, { ctx })
  await app.register(dutyRoutes, { ctx })
  await app.register(userRoutes, { ctx })
  await app.register(systemRoutes, { ctx })
  await app.register(auditRoutes, { ctx })
  await app.register(meRoutes, { ctx })
  await app.register(wallRoutes, { ctx, page })
  await app.register(tokenRoutes, { ctx, tokens })
  await app.register(windowReportRoutes, { ctx })
  if (deps.windows) await app.register(windowRoutes, { ctx, windows: deps.windows })
  return app as unknown as App
}

export { HttpError }
