/**
 * `chamdiem central serve`: the province's HTTP API over the central store, logged in to
 * PostgreSQL with a reader role (chamdiem_reader: it can change nothing).
 *
 * Users come from a YAML file (username, scrypt hash from `chamdiem central hash-password`,
 * role, centre) and authenticate with HTTP Basic over HTTPS or a trusted reverse proxy:
 * - admin: the whole province;
 * - viewer, oversight (e.g. the People's Council): the whole province, read-only;
 * - head: their own centre only (every query is scoped in SQL: province-queries.ts).
 *
 *   GET /api/health                         no login
 *   GET /api/me
 *   GET /api/live[?centre=]                 today's counts per centre and officer
 *   GET /api/ranking?by=centre|officer&period=month|quarter|half|nine-months|year&year=&n=[&centre=][&format=csv]
 *   GET /api/public/ranking?period=month|quarter&year=&n=   no login, only with `publicPage`
 *
 * The public ranking is what a province publishes (as M-Score's results were, in the press
 * and on a website): centres only, never officers; only a finished month or quarter; a
 * centre with fewer ratings than the minimum sample is left out, not shown with a
 * misleading rate.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type pg from 'pg'
import { verifyPassword } from '../http/accounts.ts'
import { startOfLocalDay } from '../local-time.ts'
import { live, period, ranking, rankingToCsv, type PeriodKind, type Scope } from './province-queries.ts'

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
  now?: () => number
  /** Serve /api/public/ranking without login (default off). */
  publicPage?: boolean
}

const PERIODS: PeriodKind[] = ['month', 'quarter', 'half', 'nine-months', 'year']

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message)
  }
}

/** Checks every user entry at start: a head without a centre, an unknown role, a plain password. */
export function checkUsers(users: ProvinceUser[]): ProvinceUser[] {
  const problems: string[] = []
  users.forEach((u, i) => {
    if (!u.username) problems.push(`users[${i}]: username missing`)
    if (!PROVINCE_ROLES.includes(u.role)) problems.push(`users[${i}] ${u.username}: role must be one of ${PROVINCE_ROLES.join(', ')}`)
    if (u.role === 'head' && !u.centre) problems.push(`users[${i}] ${u.username}: a head needs a centre`)
    if (!String(u.password).startsWith('scrypt$')) problems.push(`users[${i}] ${u.username}: password must be a hash from \`chamdiem central hash-password\``)
  })
  if (problems.length > 0) throw new Error(problems.join('\n'))
  return users
}

export async function buildProvinceApp(opts: ProvinceAppOptions): Promise<FastifyInstance> {
  const users = new Map(checkUsers(opts.users).map((u) => [u.username, u]))
  const now = opts.now ?? Date.now
  const app = Fastify({ logger: false })

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err instanceof HttpError ? err.statusCode : err instanceof RangeError ? 400 : (err.statusCode ?? 500)
    // Never a 5xx's internals to the client.
    void reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message })
  })

  async function login(req: FastifyRequest, reply: FastifyReply): Promise<ProvinceUser> {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '')
    const [name, ...rest] = m ? Buffer.from(m[1], 'base64').toString('utf8').split(':') : []
    const user = name ? users.get(name) : undefined
    if (!user || !(await verifyPassword(rest.join(':'), user.password))) {
      void reply.header('www-authenticate', 'Basic realm="chamdiem province", charset="UTF-8"')
      throw new HttpError(401, 'login required')
    }
    return user
  }

  /** The centres a user may see: a head only their own (asking for another is "not found"). */
  function scopeOf(user: ProvinceUser, centre: string | undefined): Scope {
    if (user.role === 'head') {
      if (centre !== undefined && centre !== user.centre) throw new HttpError(404, 'no such centre')
      return user.centre!
    }
    return centre ?? null
  }

  app.get('/api/health', async () => {
    await opts.pool.query('SELECT 1')
    return { ok: true }
  })

  app.get('/api/me', async (req, reply) => {
    const u = await login(req, reply)
    return { username: u.username, role: u.role, centre: u.centre ?? null }
  })

  app.get<{ Querystring: { centre?: string } }>('/api/live', async (req, reply) => {
    const u = await login(req, reply)
    const since = startOfLocalDay(now(), opts.timeZone)
    return { since, rows: await live(opts.pool, scopeOf(u, req.query.centre), since) }
  })

  app.get<{ Querystring: { by?: string; period?: string; year?: string; n?: string; centre?: string; format?: string } }>('/api/ranking', async (req, reply) => {
    const u = await login(req, reply)
    const q = req.query
    const by = q.by ?? 'centre'
    if (by !== 'centre' && by !== 'officer') throw new HttpError(400, 'by must be centre or officer')
    const kind = (q.period ?? 'quarter') as PeriodKind
    if (!PERIODS.includes(kind)) throw new HttpError(400, `period must be one of ${PERIODS.join(', ')}`)
    const year = Number(q.year)
    if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new HttpError(400, 'year must be given, e.g. year=2026')
    const p = period(kind, year, kind === 'nine-months' || kind === 'year' ? 1 : Number(q.n), opts.timeZone)
    const rows = await ranking(opts.pool, scopeOf(u, q.centre), by, p.fromMs, p.toMs)
    if (q.format === 'csv') {
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="ranking-${by}-${p.label}.csv"`)
      return rankingToCsv(rows)
    }
    return { period: p, by, rows }
  })

  if (opts.publicPage) {
    app.get<{ Querystring: { period?: string; year?: string; n?: string } }>('/api/public/ranking', async (req) => {
      const kind = req.query.period ?? 'quarter'
      if (kind !== 'month' && kind !== 'quarter') throw new HttpError(400, 'period must be month or quarter')
      const p = period(kind, Number(req.query.year), Number(req.query.n), opts.timeZone)
      if (p.toMs > now()) throw new HttpError(400, `${p.label} is not finished yet`)
      const rows = (await ranking(opts.pool, null, 'centre', p.fromMs, p.toMs)).filter((r) => !r.tooFew)
      return {
        period: p,
        rows: rows.map((r) => ({ rank: r.rank, centre: r.name, total: r.total, satisfaction: r.satisfaction, index: r.index, wilsonLow: r.wilsonLow, wilsonHigh: r.wilsonHigh })),
      }
    })
  }

  return app
}
