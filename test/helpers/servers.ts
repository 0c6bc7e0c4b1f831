/**
 * Real time-series servers for tests and benchmarks: Debian's `influxd` (InfluxDB 1.6.7) and
 * `victoria-metrics`, each started on free loopback ports in its own temp dir, waited for
 * until it answers, and stopped (and its dir removed) at the end.
 *
 * Cleanup is registered by the call that starts the server (model: aedes `test/helper.js`):
 * under vitest, inside a test it runs when that test finishes, otherwise (beforeAll, file
 * level) when the test file finishes; in any process, still-running servers are killed on exit.
 * Outside vitest (benchmarks) call `dispose()` yourself; the exit hook is the safety net.
 *
 *   const influx = await startInfluxDb1({ database: 'chamdiem' })
 *   await influx.stop(); await influx.start()   // an outage, same port and data
 *   const rows = await influx.query('SELECT * FROM press')
 *
 *   const vm = await startVictoriaMetrics()
 *   const series = await vm.exportSeries('{__name__="press_value"}')
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs'
import { freePort } from './ports.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// ---------------------------------------------------------------------------------------
// cleanup registration, ports

type Cleanup = () => Promise<void> | void
const liveChildren = new Set<ChildProcess>()

process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL')
})

// Under vitest, the shared registry of test/helpers/cleanup.ts (per test, or per file via
// test/setup/cleanup.ts); loaded only there, so benchmarks can import this file too.
const shared: typeof import('./cleanup.ts') | null = process.env.VITEST ? await import('./cleanup.ts') : null

function registerCleanup(fn: Cleanup): void {
  shared?.registerCleanup(fn)
}

export { freePort }

/** Stops with a clear line when a Debian package the tests need is missing. */
export function requireCommand(command: string, debianPackage: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
  } catch {
    throw new Error(`${command} not found: install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`)
  }
}

class ManagedProcess {
  private child: ChildProcess | null = null
  private exited: Promise<void> = Promise.resolve()

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly logFile: string,
  ) {}

  get running(): boolean {
    return this.child !== null
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  spawn(): void {
    const log = createWriteStream(this.logFile, { flags: 'a' })
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.pipe(log)
    child.stderr!.pipe(log)
    liveChildren.add(child)
    this.child = child
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        liveChildren.delete(child)
        if (this.child === child) this.child = null
        resolve()
      })
    })
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child
    if (!child) return
    const exited = this.exited
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  async waitUntil(ready: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`${what} exited during start-up; see ${this.logFile}`)
      if (await ready().catch(() => false)) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`${what} not ready after ${timeoutMs} ms; see ${this.logFile}`)
  }
}

async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) })
  await res.arrayBuffer()
  return res.ok
}

// ---------------------------------------------------------------------------------------
// InfluxDB 1.x

export interface InfluxDb1Options {
  /** Database created at start (default "chamdiem"); null creates none. */
  database?: string | null
  /** Turns on authentication and creates this admin user. */
  auth?: { username: string; password: string }
  /** Keep the temp dir after stop (to inspect it). */
  keepDir?: boolean
}

export interface InfluxDb1Server {
  /** e.g. http://127.0.0.1:34567 */
  readonly url: string
  readonly port: number
  readonly database: string | null
  readonly dir: string
  readonly logFile: string
  readonly auth: { username: string; password: string } | undefined
  readonly running: boolean
  /** Starts again after stop() (same port, same data): the end of an outage. */
  start(): Promise<void>
  /** Stops the server (SIGTERM; `{ kill: true }` for SIGKILL); its data stays for start(). */
  stop(opts?: { kill?: boolean }): Promise<void>
  restart(): Promise<void>
  /** Stops for good and removes the temp dir (registered as cleanup already). */
  dispose(): Promise<void>
  /** Runs InfluxQL; rows come back as objects of strings (CSV), so ns timestamps keep every digit. */
  query(q: string, opts?: { database?: string }): Promise<Array<Record<string, string>>>
  /** Runs a statement that returns no rows (CREATE DATABASE, DROP ..., CREATE USER). */
  exec(q: string): Promise<void>
}

/** start / stop / restart / dispose of a server process, the same for every server here. */
function lifecycle(proc: () => ManagedProcess | null, launch: (fresh: boolean) => Promise<void>, dir: string, keepDir?: boolean) {
  let disposed = false
  // Methods only: a getter would be frozen into a value by the object spread that uses this.
  const self = {
    async start() {
      if (proc()?.running) return
      await launch(false)
    },
    async stop(o?: { kill?: boolean }) {
      await proc()?.stop(10_000, o?.kill ? 'SIGKILL' : 'SIGTERM')
    },
    async restart() {
      await self.stop()
      await self.start()
    },
    async dispose() {
      if (disposed) return
      disposed = true
      await proc()?.stop(5000)
      if (!keepDir) rmSync(dir, { recursive: true, force: true })
    },
  }
  return self
}

export async function startInfluxDb1(opts: InfluxDb1Options = {}): Promise<InfluxDb1Server> {
  requireCommand('influxd', 'influxdb')
  const dir = mkdtempSync(join(tmpdir(), 'chamdiem-influxd-'))
  const database = opts.database === undefined ? 'chamdiem' : opts.database
  let port = 0
  let proc: ManagedProcess | null = null
  const logFile = join(dir, 'influxd.log')
  const authHeader = (): Record<string, string> =>
    opts.auth ? { authorization: 'Basic ' + Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64') } : {}

  const writeConfig = (httpPort: number, rpcPort: number) => {
    const file = join(dir, 'influxdb.conf')
    writeFileSync(
      file,
      `reporting-disabled = true
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
  auth-enabled = ${opts.auth ? 'true' : 'false'}
  log-enabled = false
  max-row-limit = 0
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
[logging]
  level = "warn"
`,
    )
    return file
  }

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

  const launch = async (fresh: boolean) => {
    // A port picked by freePort() can be taken before influxd binds it: retry with new ports.
    for (let attempt = 1; ; attempt++) {
      if (fresh) port = await freePort()
      const config = writeConfig(port, await freePort())
      proc = new ManagedProcess('influxd', ['run', '-config', config], logFile)
      proc.spawn()
      try {
        await proc.waitUntil(() => httpOk(`http://127.0.0.1:${port}/ping`), 'influxd')
        return
      } catch (err) {
        await proc.stop(1000)
        if (!fresh || attempt >= 3) throw err
      }
    }
  }

  await launch(true)
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

  const server: InfluxDb1Server = {
    get url() {
      return `http://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    database,
    dir,
    logFile,
    auth: opts.auth,
    get running() {
      return proc?.running ?? false
    },
    ...lifecycle(() => proc, launch, dir, opts.keepDir),
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
  }
  registerCleanup(() => server.dispose())
  return server
}

/** Parses InfluxDB's CSV answer (RFC 4180 quoting) into objects keyed by the header. */
export function csvRows(text: string): Array<Record<string, string>> {
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

// ---------------------------------------------------------------------------------------
// VictoriaMetrics

export interface VictoriaMetricsOptions {
  /**
   * Deduplicate samples of one series with the same millisecond (default true): a re-sent
   * batch then rewrites its points, as in InfluxDB. VictoriaMetrics keeps millisecond
   * timestamps only, so the sub-millisecond digits of our timestamps are dropped.
   */
  dedup?: boolean
  keepDir?: boolean
}

export interface VmSeries {
  metric: Record<string, string>
  values: number[]
  timestamps: number[]
}

export interface VictoriaMetricsServer {
  readonly url: string
  readonly port: number
  readonly dir: string
  readonly logFile: string
  readonly running: boolean
  start(): Promise<void>
  stop(opts?: { kill?: boolean }): Promise<void>
  restart(): Promise<void>
  dispose(): Promise<void>
  /** Makes recently written samples searchable now (instead of within a second or so). */
  flush(): Promise<void>
  /** Raw samples of every series matching a selector, e.g. `{__name__="press_value"}` (flushes first). */
  exportSeries(selector: string): Promise<VmSeries[]>
  /** PromQL/MetricsQL instant query; returns the `data.result` array. */
  query(promql: string, time?: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>
}

export async function startVictoriaMetrics(opts: VictoriaMetricsOptions = {}): Promise<VictoriaMetricsServer> {
  requireCommand('victoria-metrics', 'victoria-metrics')
  const dir = mkdtempSync(join(tmpdir(), 'chamdiem-vm-'))
  const logFile = join(dir, 'victoria-metrics.log')
  let port = 0
  let proc: ManagedProcess | null = null

  const launch = async (fresh: boolean) => {
    for (let attempt = 1; ; attempt++) {
      if (fresh) port = await freePort()
      proc = new ManagedProcess(
        'victoria-metrics',
        [
          `-httpListenAddr=127.0.0.1:${port}`,
          `-storageDataPath=${join(dir, 'data')}`,
          '-retentionPeriod=100y',
          '-loggerLevel=ERROR',
          // Without this, samples of the last 30 s are hidden from queries (not from export).
          '-search.latencyOffset=0s',
          ...(opts.dedup === false ? [] : ['-dedup.minScrapeInterval=1ms']),
        ],
        logFile,
      )
      proc.spawn()
      try {
        await proc.waitUntil(() => httpOk(`http://127.0.0.1:${port}/health`), 'victoria-metrics')
        return
      } catch (err) {
        await proc.stop(1000)
        if (!fresh || attempt >= 3) throw err
      }
    }
  }
  await launch(true)

  const server: VictoriaMetricsServer = {
    get url() {
      return `http://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    dir,
    logFile,
    get running() {
      return proc?.running ?? false
    },
    ...lifecycle(() => proc, launch, dir, opts.keepDir),
    async flush() {
      await fetch(`${server.url}/internal/force_flush`).then((r) => r.arrayBuffer())
    },
    async exportSeries(selector) {
      await server.flush()
      const res = await fetch(`${server.url}/api/v1/export`, {
        method: 'POST',
        body: new URLSearchParams({ 'match[]': selector, start: '0' }),
      })
      const text = await res.text()
      if (!res.ok) throw new Error(`victoria-metrics export ${selector}: HTTP ${res.status} ${text}`)
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as VmSeries)
    },
    async query(promql, time) {
      await server.flush()
      const params = new URLSearchParams({ query: promql })
      if (time !== undefined) params.set('time', String(time / 1000))
      const res = await fetch(`${server.url}/api/v1/query`, { method: 'POST', body: params })
      const body = (await res.json()) as { status: string; data?: { result: never[] }; error?: string }
      if (!res.ok || body.status !== 'success') throw new Error(`victoria-metrics ${promql}: ${body.error ?? res.status}`)
      return body.data!.result
    },
  }
  registerCleanup(() => server.dispose())
  return server
}
