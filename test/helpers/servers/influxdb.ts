/**
 * Debian's `influxd` (InfluxDB 1.6.7) for tests and benchmarks, on free loopback ports in its
 * own temp dir; disposed at the end of the test or file that started it (see process.ts).
 *
 *   const influx = await startInfluxDb1({ database: 'chamdiem' })
 *   await influx.stop(); await influx.start()   // an outage, same port and data
 *   const rows = await influx.query('SELECT * FROM press')
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../ports.ts'
import { httpOk, startServer, withProcess, type ServerProcess } from './process.ts'

export interface InfluxDb1Options {
  /** Database created at start (default "chamdiem"); null creates none. */
  database?: string | null
  /** Turns on authentication and creates this admin user. */
  auth?: { username: string; password: string }
  /** Keep the temp dir after dispose (to inspect it). */
  keepDir?: boolean
}

export interface InfluxDb1Server extends ServerProcess {
  /** e.g. http://127.0.0.1:34567 */
  readonly url: string
  readonly port: number
  readonly database: string | null
  readonly auth: { username: string; password: string } | undefined
  /** Runs InfluxQL; rows come back as objects of strings (CSV), so ns timestamps keep every digit. */
  query(q: string, opts?: { database?: string }): Promise<Array<Record<string, string>>>
  /** Runs a statement that returns no rows (CREATE DATABASE, DROP ..., CREATE USER). */
  exec(q: string): Promise<void>
}

function influxConf(dir: string, httpPort: number, rpcPort: number, auth: boolean): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[coordinator]
  log-queries-after = "0s"
[retention]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = ${auth ? 'true' : 'false'}
  log-enabled = false
  max-row-limit = 0
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
[logging]
  level = "warn"
`
}

export async function startInfluxDb1(opts: InfluxDb1Options = {}): Promise<InfluxDb1Server> {
  const database = opts.database === undefined ? 'chamdiem' : opts.database
  let port = 0
  const authHeader = (): Record<string, string> =>
    opts.auth ? { authorization: 'Basic ' + Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64') } : {}

  const proc = await startServer({
    command: 'influxd',
    debianPackage: 'influxdb',
    dirPrefix: 'chamdiem-influxd-',
    keepDir: opts.keepDir,
    async args(dir, fresh) {
      if (fresh) port = await freePort()
      const file = join(dir, 'influxdb.conf')
      writeFileSync(file, influxConf(dir, port, await freePort(), opts.auth !== undefined))
      return ['run', '-config', file]
    },
    ready: () => httpOk(`http://127.0.0.1:${port}/ping`),
  })

  const exec = async (q: string, db?: string) => {
    const body = new URLSearchParams({ q })
    if (db) body.set('db', db)
    const res = await fetch(`http://127.0.0.1:${port}/query`, {
      method: 'POST',
      headers: { ...authHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    const text = await res.text()
    if (!res.ok || text.includes('"error"')) throw new Error(`influxd ${q}: HTTP ${res.status} ${text}`)
  }

  // With auth on and no user yet, InfluxDB 1.x lets the first admin be created without credentials.
  if (opts.auth) {
    await fetch(`http://127.0.0.1:${port}/query`, {
      method: 'POST',
      body: new URLSearchParams({
        q: `CREATE USER "${opts.auth.username}" WITH PASSWORD '${opts.auth.password.replace(/'/g, "\\'")}' WITH ALL PRIVILEGES`,
      }),
    }).then((r) => r.text())
  }
  if (database) await exec(`CREATE DATABASE "${database}"`)

  return withProcess<Omit<InfluxDb1Server, keyof ServerProcess>>(proc, {
    get url() {
      return `http://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    database,
    auth: opts.auth,
    async query(q, o) {
      const db = o?.database ?? database ?? undefined
      const params = new URLSearchParams({ q, epoch: 'ns' })
      if (db) params.set('db', db)
      const res = await fetch(`http://127.0.0.1:${port}/query`, {
        method: 'POST',
        headers: { ...authHeader(), accept: 'application/csv', 'content-type': 'application/x-www-form-urlencoded' },
        body: params,
      })
      const text = await res.text()
      if (!res.ok) throw new Error(`influxd ${q}: HTTP ${res.status} ${text}`)
      return csvRows(text)
    },
    exec: (q) => exec(q),
  })
}

/** Parses InfluxDB's CSV answer (RFC 4180 quoting) into objects keyed by the header. */
function csvRows(text: string): Array<Record<string, string>> {
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      record.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      field = ''
      records.push(record)
      record = []
    } else field += c
  }
  if (field !== '' || record.length > 0) {
    record.push(field)
    records.push(record)
  }
  // Several statements or series repeat the header; a blank line separates them.
  const rows: Array<Record<string, string>> = []
  let header: string[] | null = null
  for (const r of records) {
    if (r.length === 1 && r[0] === '') {
      header = null
      continue
    }
    if (!header) {
      header = r
      continue
    }
    const row: Record<string, string> = {}
    header.forEach((h, i) => (row[h] = r[i] ?? ''))
    rows.push(row)
  }
  return rows
}
