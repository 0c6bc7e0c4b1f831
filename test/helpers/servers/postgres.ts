/**
 * Debian's PostgreSQL 15 for tests and benchmarks: a fresh cluster (`initdb`) in its own temp
 * dir, on a free loopback port, run as the unprivileged `postgres` user when the tests run as
 * root (PostgreSQL refuses to run as root), never the system service; disposed at the end of
 * the test or file that started it (see process.ts).
 *
 *   const pg = await startPostgres()
 *   await pg.query('SELECT 1')                 // as the superuser, database "chamdiem"
 *   await pg.stop(); await pg.start()          // an outage, same port and data
 *   pg.url({ user: 'centre_x', password })     // a connection URL for another role
 *
 * Password authentication (scram-sha-256) is on for every connection, so a wrong password
 * fails the way it does in a province's installation.
 */
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from '../ports.ts'
import { startServer, withProcess, type ServerProcess } from './process.ts'

export const POSTGRES_BIN_DIR = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin'

export interface PostgresOptions {
  /** Database created at start (default "chamdiem"). */
  database?: string
  /** Keep the temp dir after dispose (to inspect it). */
  keepDir?: boolean
  /** More server settings (`-c name=value`), after and over the test defaults (benchmarks: shared_buffers). */
  settings?: Record<string, string>
}

export interface PostgresServer extends ServerProcess {
  readonly port: number
  readonly database: string
  /** The superuser's name and password. */
  readonly superuser: { user: string; password: string }
  /** `postgres://user:password@127.0.0.1:port/database` (default: the superuser). */
  url(opts?: { user?: string; password?: string; database?: string }): string
  /** Runs SQL as the superuser (a new connection each time, so it works across restarts). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>
}

/** Runs the PostgreSQL binaries as `postgres` when we are root; as ourselves otherwise. */
function asPostgres(): { command: (bin: string) => string; prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { command: (bin) => join(POSTGRES_BIN_DIR, bin), prefix: [] }
  const id = (flag: string) => {
    try {
      return Number(execFileSync('id', [flag, 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString())
    } catch {
      throw new Error('no "postgres" user to run PostgreSQL as (it refuses root): install the Debian package "postgresql"')
    }
  }
  const uid = id('-u')
  const gid = id('-g')
  // setpriv execs the server in place (unlike runuser, no parent in between), so stop({ kill })
  // really kills the postmaster.
  return {
    command: () => '/usr/bin/setpriv',
    prefix: ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', '--'],
    uid,
    gid,
  }
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresServer> {
  if (!existsSync(join(POSTGRES_BIN_DIR, 'postgres'))) {
    throw new Error(`${join(POSTGRES_BIN_DIR, 'postgres')} not found: install the Debian package "postgresql" (apt-get install postgresql)`)
  }
  const database = opts.database ?? 'chamdiem'
  const superuser = { user: 'postgres', password: randomBytes(12).toString('hex') }
  const runAs = asPostgres()
  let port = 0

  const url = (o: { user?: string; password?: string; database?: string } = {}) => {
    const user = encodeURIComponent(o.user ?? superuser.user)
    const password = encodeURIComponent(o.password ?? (o.user ? '' : superuser.password))
    return `postgres://${user}:${password}@127.0.0.1:${port}/${encodeURIComponent(o.database ?? database)}`
  }

  const proc = await startServer({
    command: runAs.command('postgres'),
    debianPackage: 'postgresql',
    dirPrefix: 'chamdiem-postgres-',
    keepDir: opts.keepDir,
    async args(dir, fresh) {
      const data = join(dir, 'data')
      if (fresh) {
        port = await freePort()
        if (!existsSync(data)) initCluster(dir, data)
      }
      const postgres = join(POSTGRES_BIN_DIR, 'postgres')
      return [
        ...runAs.prefix,
        ...(runAs.prefix.length > 0 ? [postgres] : []),
        '-D', data,
        '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `unix_socket_directories=${dir}`,
        // A test cluster: durability is not the subject here (the gateway's SQLite is).
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=50',
        '-c', 'shared_buffers=32MB',
        ...Object.entries(opts.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ]
    },
    ready: () => canConnect(),
    // Fast shutdown: SIGTERM (smart) would wait for every client, e.g. a forwarder, to leave.
    stopSignal: 'SIGINT',
  })

  function initCluster(dir: string, data: string): void {
    if (runAs.uid !== undefined) chownSync(dir, runAs.uid, runAs.gid!)
    const pwfile = join(dir, 'pwfile')
    writeFileSync(pwfile, superuser.password + '\n', { mode: 0o600 })
    if (runAs.uid !== undefined) chownSync(pwfile, runAs.uid, runAs.gid!)
    mkdirSync(data, { mode: 0o700 })
    if (runAs.uid !== undefined) chownSync(data, runAs.uid, runAs.gid!)
    const initdb = join(POSTGRES_BIN_DIR, 'initdb')
    const cmd = runAs.prefix.length > 0 ? runAs.command('initdb') : initdb
    const args = [...runAs.prefix, ...(runAs.prefix.length > 0 ? [initdb] : [])]
    execFileSync(cmd, [...args, '-D', data, '-U', superuser.user, '--pwfile', pwfile, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
  }

  async function canConnect(): Promise<boolean> {
    const client = new pg.Client({ connectionString: url({ database: 'postgres' }), connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      return true
    } finally {
      await client.end().catch(() => {})
    }
  }

  async function query<R extends pg.QueryResultRow>(text: string, params?: unknown[], db = database): Promise<R[]> {
    const client = new pg.Client({ connectionString: url({ database: db }) })
    await client.connect()
    try {
      return (await client.query<R>(text, params)).rows
    } finally {
      await client.end()
    }
  }

  await query(`CREATE DATABASE "${database}"`, [], 'postgres')

  return withProcess<Omit<PostgresServer, keyof ServerProcess>>(proc, {
    get port() {
      return port
    },
    database,
    superuser,
    url,
    query: (text, params) => query(text, params),
  })
}
