/**
 * A migrated central store for tests: a real PostgreSQL (servers/postgres.ts) with the
 * chamdiem schema, and one login role per centre registered the way docs/central.md says.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startPostgres, type PostgresServer } from '../helpers/servers/postgres.ts'
import { chamdiem } from '../helpers/cli.ts'

export interface CentralDb {
  pg: PostgresServer
  /** Registers a centre and its gateway role; returns that role's URL. */
  addCentre(id: string, name?: string): Promise<string>
  /** A login role in chamdiem_reader (the central server, oversight). */
  addReader(role: string): Promise<string>
}

export async function startCentralDb(): Promise<CentralDb> {
  const pg = await startPostgres()
  const migrate = await chamdiem(['central', 'migrate', '--url', pg.url()])
  if (migrate.code !== 0) throw new Error(`central migrate failed: ${migrate.stderr}`)
  return {
    pg,
    async addCentre(id, name = `Centre ${id}`) {
      const role = `centre_${id.replace(/-/g, '_')}`
      const password = randomBytes(9).toString('hex')
      const r = await chamdiem(['central', 'add-centre', '--url', pg.url(), '--id', id, '--name', name, '--role', role, '--password', password])
      if (r.code !== 0) throw new Error(`add-centre failed: ${r.stderr}`)
      return pg.url({ user: role, password })
    },
    async addReader(role) {
      const password = randomBytes(9).toString('hex')
      await pg.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE chamdiem_reader`)
      return pg.url({ user: role, password })
    },
  }
}

/** Each level id and its roll-up column (all five, since central migration 4). */
const LEVELS = [
  ['positive', 'positive'],
  ['neutral', 'neutral'],
  ['fair', 'fair'],
  ['negative', 'negative'],
  ['very-negative', 'very_negative'],
] as const

/**
 * Roll-up rows that differ from a recount of the presses (schema.ts's daily roll-ups): empty
 * when the roll-ups are in step. Rows counting nothing (after a delete) are not a difference.
 */
export async function rollupMismatches(pg: PostgresServer): Promise<unknown[]> {
  const counts = LEVELS.map(([id, col]) => `count(*) FILTER (WHERE rating = '${id}')::int AS ${col}`).join(', ')
  const cols = LEVELS.map(([, col]) => col).join(', ')
  const any = LEVELS.map(([, col]) => col).join(' + ')
  const day = 'chamdiem.press_day(time_ms, (SELECT time_zone FROM chamdiem.rollup_settings))'
  const diff = (fresh: string, kept: string) => `
    WITH fresh AS (${fresh}), kept AS (${kept})
    (SELECT 'missing' AS what, * FROM (SELECT * FROM fresh EXCEPT ALL SELECT * FROM kept) a)
    UNION ALL (SELECT 'extra' AS what, * FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM fresh) b)`
  const centres = await pg.query(
    diff(
      `SELECT centre_id, ${day}::text AS day, ${counts} FROM chamdiem.presses WHERE NOT repeat GROUP BY 1, 2`,
      `SELECT centre_id, day::text, ${cols} FROM chamdiem.daily_centres WHERE ${any} > 0`,
    ),
  )
  const officers = await pg.query(
    diff(
      `SELECT centre_id, officer_id, ${day}::text AS day, ${counts} FROM chamdiem.presses WHERE NOT repeat AND officer_id IS NOT NULL GROUP BY 1, 2, 3`,
      `SELECT centre_id, officer_id, day::text, ${cols} FROM chamdiem.daily_officers WHERE ${any} > 0`,
    ),
  )
  return [...centres.map((r) => ({ table: 'daily_centres', ...r })), ...officers.map((r) => ({ table: 'daily_officers', ...r }))]
}

/** Runs `fn` on a client connected with `url` (a centre's or a reader's role), then closes it. */
export async function as<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
