/**
 * A migrated central store for tests: a real PostgreSQL (servers/postgres.ts) with the
 * chamdiem schema, and one login role per centre registered the way docs/central.md says.
 */
import { randomBytes } from 'node:crypto'
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
