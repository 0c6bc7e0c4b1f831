/**
 * The dashboard's HTTP service: builds the app (app.ts) and listens on config.http.host/port
 * with timeouts; stop() closes gracefully (event streams first, then open requests finish).
 * Model: fastify/demo src/server.ts.
 */
import type { AddressInfo } from 'node:net'
import { buildApp, type App, type HttpDeps } from './app.ts'
import { Accounts } from './accounts.ts'

/** A request must arrive whole within this time (slowloris); streams are exempt once started. */
const REQUEST_TIMEOUT_MS = 30_000
const KEEP_ALIVE_MS = 65_000

export interface HttpServiceOptions extends HttpDeps {
  /** How often event streams get a heartbeat (and their session is checked); tests shorten it. */
  heartbeatMs?: number
}

export class HttpService {
  readonly name = 'http'
  private built: App | undefined
  /**
   * Set by the first start() on a database without users: the admin it created, with the
   * random password to print once (never logged). Null on every later start.
   */
  firstAdmin: { username: string; password: string } | null = null

  constructor(private readonly deps: HttpServiceOptions) {}

  async start(): Promise<void> {
    const { config } = this.deps
    this.firstAdmin = await new Accounts(this.deps.db, this.deps.now).ensureFirstAdmin()
    const app = await buildApp(this.deps, { heartbeatMs: this.deps.heartbeatMs })
    app.server.requestTimeout = REQUEST_TIMEOUT_MS
    app.server.keepAliveTimeout = KEEP_ALIVE_MS
    // Event streams stay open: no per-socket idle timeout (the hub sends a heartbeat).
    app.server.timeout = 0
    await app.listen({ host: config.http.host, port: config.http.port })
    this.built = app
    this.deps.log.child({ area: 'http' }).info({ url: this.url }, 'dashboard listening')
  }

  async stop(): Promise<void> {
    const app = this.built
    this.built = undefined
    if (app) await app.close()
  }

  /** The running app, for `app.inject()` in tests (the same app that listens). */
  get app(): App {
    if (!this.built) throw new Error('http service is not running')
    return this.built
  }

  /** The port actually bound (config.http.port may be 0 = any free port). */
  get port(): number {
    const addr = this.built?.server.address() as AddressInfo | null | undefined
    if (!addr) throw new Error('http service is not listening')
    return addr.port
  }

  get url(): string {
    const host = this.deps.config.http.host
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
    return `http://${shown}:${this.port}/`
  }
}
