/**
 * Connecting to the central PostgreSQL, also through a multi-host URL:
 *
 *   postgres://centre_x:pw@db1:5432,db2:5432/province?target_session_attrs=read-write
 *
 * libpq tries the hosts in order and, with `target_session_attrs=read-write`, skips a server
 * that is read-only (a streaming replica), so a Patroni or replica failover needs no config
 * change. node-postgres 8.23 does not: its URL parser (pg-connection-string) takes one host
 * and ignores `target_session_attrs`. So the hosts are tried here, in order, the same way.
 *
 * TLS: `central.tls` (ca, cert, key, rejectUnauthorized) is handed to node-postgres as `ssl`;
 * `sslmode` in the URL is left to node-postgres when no `tls` section is given.
 */
import { readFileSync } from 'node:fs'
import type pg from 'pg'

export interface CentralTls {
  ca?: string
  cert?: string
  key?: string
  rejectUnauthorized: boolean
}

export interface CentralTarget {
  hosts: Array<{ host: string; port: number }>
  user: string
  password: string
  database: string
  /** 'read-write' skips read-only servers; 'any' takes the first that answers. */
  targetSessionAttrs: 'any' | 'read-write'
  /** The URL's other query parameters (application_name, sslmode, ...). */
  params: Record<string, string>
}

/** Parses a postgres:// URL with one or more `host:port` (comma-separated). */
export function parseCentralUrl(url: string): CentralTarget {
  const m = /^postgres(?:ql)?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(url)
  if (!m) throw new Error('central.url: not a postgres:// URL (postgres://user:password@host:5432/database)')
  const [, user = '', password = '', hostList, database = '', query = ''] = m
  const params = Object.fromEntries(new URLSearchParams(query))
  const hosts = hostList.split(',').map((h) => {
    const hm = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(h)
    if (!hm || hm[1] === '') throw new Error(`central.url: bad host "${h}"`)
    return { host: hm[1].replace(/^\[(.*)\]$/, '$1'), port: hm[2] ? Number(hm[2]) : 5432 }
  })
  const tsa = params.target_session_attrs ?? 'any'
  delete params.target_session_attrs
  if (tsa !== 'any' && tsa !== 'read-write') {
    throw new Error(`central.url: target_session_attrs=${tsa} is not supported (any, read-write)`)
  }
  return {
    hosts,
    user: decodeURIComponent(user),
    password: decodeURIComponent(password),
    database: decodeURIComponent(database),
    targetSessionAttrs: tsa,
    params,
  }
}

/** The URL without its password, safe for logs and health. */
export function safeCentralUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@')
}

function readPem(file: string | undefined): string | undefined {
  return file ? readFileSync(file, 'utf8') : undefined
}

/** node-postgres's `ssl` option from the config's tls section (files read at each connect: rotated certificates work). */
export function sslOptions(tls: CentralTls | undefined): pg.ClientConfig['ssl'] {
  if (!tls) return undefined
  return { ca: readPem(tls.ca), cert: readPem(tls.cert), key: readPem(tls.key), rejectUnauthorized: tls.rejectUnauthorized }
}

/** Longest a query may take; a batch of thousands of presses takes well under a second. */
const QUERY_TIMEOUT_MS = 60_000

export interface ConnectOptions {
  url: string
  tls?: CentralTls
  connectTimeoutMs: number
  /** Shown in pg_stat_activity. */
  applicationName: string
}

/**
 * Connects to the first host that answers (and, with read-write, accepts writes). The error
 * of the last host is thrown when none does; a permanent refusal (a wrong password, an
 * unknown database) is thrown at once, since the next host would refuse the same way.
 */
export async function connectCentral(opts: ConnectOptions, Client: typeof pg.Client, isPermanent: (err: unknown) => boolean): Promise<pg.Client> {
  const target = parseCentralUrl(opts.url)
  const ssl = sslOptions(opts.tls)
  let lastError: unknown = new Error('central.url: no host')
  for (const { host, port } of target.hosts) {
    const client = new Client({
      host,
      port,
      user: target.user,
      password: target.password,
      database: target.database,
      ssl: ssl ?? (target.params.sslmode && target.params.sslmode !== 'disable' ? { rejectUnauthorized: target.params.sslmode.startsWith('verify') } : undefined),
      connectionTimeoutMillis: opts.connectTimeoutMs,
      application_name: target.params.application_name ?? opts.applicationName,
      keepAlive: true,
      // A WAN that drops packets (rather than refusing) would leave a query waiting for TCP
      // to give up, minutes later: fail it here and let the forwarder back off and retry.
      query_timeout: QUERY_TIMEOUT_MS,
    })
    // An error after connect (the server went away) must not crash the process: the next
    // query fails and the forwarder handles it there.
    client.on('error', () => {})
    try {
      await client.connect()
      if (target.targetSessionAttrs === 'read-write') {
        // libpq's rule for read-write: not a hot standby, and default_transaction_read_only off.
        const { rows } = await client.query<{ ro: boolean }>("SELECT pg_is_in_recovery() OR current_setting('default_transaction_read_only') = 'on' AS ro")
        if (rows[0]?.ro) {
          await client.end().catch(() => {})
          lastError = new Error(`${host}:${port} is read-only (a replica); target_session_attrs=read-write`)
          continue
        }
      }
      return client
    } catch (err) {
      await client.end().catch(() => {})
      if (isPermanent(err)) throw err
      lastError = err
    }
  }
  throw lastError
}
