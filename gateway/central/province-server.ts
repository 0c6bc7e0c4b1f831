/**
 * `chamdiem central serve`: the province's dashboard and API over the central store, logged
 * in to PostgreSQL with a reader role (chamdiem_reader: it can change nothing).
 *
 * Users come from a YAML file (username, scrypt hash from `chamdiem central hash-password`,
 * role, centre). People log in on the login page (session cookie); API clients may send HTTP
 * Basic (http/sessions.ts). Serve it over HTTPS or behind a trusted reverse proxy.
 * - admin: the whole province;
 * - viewer, oversight (e.g. the People's Council): the whole province, read-only;
 * - head: their own centre only, in the API and on every page (http/data-routes.ts).
 * Nothing the server offers changes the store: every role reads.
 *
 *   GET /api/health                      no login
 *   POST /api/login, /api/logout; GET /api/session
 *   GET /api/live, /api/ranking, /api/drill   (http/data-routes.ts)
 *   GET /api/public/ranking              no login, only with `publicPage` (http/public-routes.ts)
 *   GET /login, /live, /ranking, /drill   the pages (http/static.ts, http/public/)
 *   GET /public                          the public page, only with `publicPage`
 */
import Fastify, { type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import type pg from 'pg'
import { DEFAULT_SCALE, type RatingScale } from '../../protocol/index.ts'
import { HttpError, registerSessions } from './http/sessions.ts'
import { dataRoutes } from './http/data-routes.ts'
import { publicRoutes } from './http/public-routes.ts'
import { registerProvinceStatic } from './http/static.ts'

export const PROVINCE_ROLES = ['admin', 'head', 'viewer', 'oversight'] as const
export type ProvinceRole = (typeof PROVINCE_ROLES)[number]

export interface ProvinceUser {
  username: string
  /** scrypt$N$r$p$salt$hash */
  password: string
  role: ProvinceRole
  /** The centre of a head. */
  centre?: string
}

export interface ProvinceAppOptions {
  pool: pg.Pool
  users: ProvinceUser[]
  timeZone: string
  /** The clock of "today" and of finished periods (tests freeze it); sessions keep the real one. */
  now?: () => number
  /** Serve /api/public/ranking without login (default off). */
  publicPage?: boolean
  /** The province's rating scale (province-scale.ts; default three levels). */
  scale?: RatingScale
}

/** Checks every user entry at start: a head without a centre, an unknown role, a plain password. */
export function checkUsers(users: ProvinceUser[]): ProvinceUser[] {
  const problems: string[] = []
  users.forEach((u, i) => {
    if (!u.username) problems.push(`users[${i}]: username missing`)
    if (!PROVINCE_ROLES.includes(u.role))
      problems.push(`users[${i}] ${u.username}: role must be one of ${PROVINCE_ROLES.join(', ')}`)
    if (u.role === 'head' && !u.centre)
      problems.push(`users[${i}] ${u.username}: a head needs a centre`)
    if (!String(u.password).startsWith('scrypt$'))
      problems.push(
        `users[${i}] ${u.username}: password must be a hash from \`chamdiem central hash-password\``,
      )
  })
  if (problems.length > 0) throw new Error(problems.join('\n'))
  return users
}

export async function buildProvinceApp(opts: ProvinceAppOptions): Promise<FastifyInstance> {
  const users = new Map(checkUsers(opts.users).map((u) => [u.username, u]))
  const now = opts.now ?? Date.now
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 })

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status =
      err instanceof HttpError
        ? err.statusCode
        : err instanceof RangeError
          ? 400
          : (err.statusCode ?? 500)
    // Never a 5xx's internals to the client.
    const code =
      err instanceof HttpError ? err.code : status === 429 ? 'TOO_MANY_ATTEMPTS' : undefined
    void reply
      .code(status)
      .send({ error: status >= 500 ? 'internal error' : err.message, ...(code ? { code } : {}) })
  })
  app.setNotFoundHandler((req, reply) => {
    // Unknown paths answer 401 without a login too, so they reveal nothing.
    void reply
      .code(req.provinceUser ? 404 : 401)
      .send({ error: req.provinceUser ? 'not found' : 'login required' })
  })

  await app.register(cookie)
  // Only the login route is limited (config.rateLimit on the route): guessing passwords.
  await app.register(rateLimit, { global: false })
  await registerSessions(app, users, opts.timeZone)

  app.get('/api/health', { config: { public: true } }, async () => {
    await opts.pool.query('SELECT 1')
    return { ok: true }
  })
  const scale = opts.scale ?? DEFAULT_SCALE
  dataRoutes(app, { pool: opts.pool, timeZone: opts.timeZone, now, scale })
  if (opts.publicPage) publicRoutes(app, { pool: opts.pool, timeZone: opts.timeZone, now, scale })
  registerProvinceStatic(app, { publicPage: opts.publicPage })
  return app
}
