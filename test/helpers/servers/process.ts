/**
 * A server process for tests and benchmarks (influxd, victoria-metrics, mosquitto): started
 * from Debian's binary in its own temp dir on free loopback ports, waited for until it
 * answers, and stopped (its dir removed) at the end.
 *
 * `startServer` registers the cleanup in the same call that starts the process (model: aedes
 * `test/helper.js`): under vitest, inside a test it runs when that test finishes, otherwise
 * (beforeAll, file level) when the test file finishes; in any process, still-running servers
 * are killed on exit. Outside vitest (benchmarks) call `dispose()` yourself; the exit hook is
 * the safety net.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const liveChildren = new Set<ChildProcess>()

process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL')
})

// Under vitest, the shared registry of test/helpers/cleanup.ts (per test, or per file via
// test/setup/cleanup.ts); loaded only there, so benchmarks can import these files too.
const shared: typeof import('../cleanup.ts') | null = process.env.VITEST ? await import('../cleanup.ts') : null

/** Stops with a clear line when a Debian package the tests need is missing. */
export function requireCommand(command: string, debianPackage: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
  } catch {
    throw new Error(`${command} not found: install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`)
  }
}

/** True when a GET (or `init`) on the URL answers 2xx within two seconds. */
export async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) })
  await res.arrayBuffer()
  return res.ok
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

  // Not vi.waitFor: benchmarks run these servers outside vitest.
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

export interface ServerSpec {
  /** The binary, and the Debian package that has it. */
  command: string
  debianPackage: string
  /** Prefix of the temp dir the server keeps its config, data and log in. */
  dirPrefix: string
  /** Keep the temp dir after dispose() (to inspect it). */
  keepDir?: boolean
  /**
   * The command-line arguments of a launch. `fresh` is true for the first start: pick new free
   * ports (a port picked by freePort() can be taken before the server binds it, so a failed
   * fresh launch is retried with new ports); false for a start after stop(): same ports, same data.
   */
  args(dir: string, fresh: boolean): Promise<string[]>
  /** True once the server answers. */
  ready(): Promise<boolean>
  /** The signal of a graceful stop (default SIGTERM; PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals
}

export interface ServerProcess {
  readonly dir: string
  readonly logFile: string
  readonly running: boolean
  readonly pid: number | undefined
  /** Starts again after stop() (same port, same data): the end of an outage. */
  start(): Promise<void>
  /** Stops the server (SIGTERM; `{ kill: true }` for SIGKILL); its data stays for start(). */
  stop(opts?: { kill?: boolean }): Promise<void>
  restart(): Promise<void>
  /** Stops for good and removes the temp dir (registered as cleanup already). */
  dispose(): Promise<void>
}

/**
 * A server's own members joined to its process's (getters stay getters: a spread would freeze
 * `running` and `pid` into values).
 */
export function withProcess<T extends object>(proc: ServerProcess, own: T): T & ServerProcess {
  return Object.defineProperties(own, Object.getOwnPropertyDescriptors(proc)) as T & ServerProcess
}

/** Starts the server and registers its disposal, in one call. */
export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  requireCommand(spec.command, spec.debianPackage)
  const dir = mkdtempSync(join(tmpdir(), spec.dirPrefix))
  const logFile = join(dir, `${spec.command.split('/').at(-1)}.log`)
  let proc: ManagedProcess | null = null
  let disposed = false

  const launch = async (fresh: boolean) => {
    for (let attempt = 1; ; attempt++) {
      proc = new ManagedProcess(spec.command, await spec.args(dir, fresh), logFile)
      proc.spawn()
      try {
        await proc.waitUntil(spec.ready, spec.command)
        return
      } catch (err) {
        await proc.stop(1000)
        if (!fresh || attempt >= 3) throw err
      }
    }
  }

  const server: ServerProcess = {
    dir,
    logFile,
    get running() {
      return proc?.running ?? false
    },
    get pid() {
      return proc?.pid
    },
    async start() {
      if (proc?.running) return
      await launch(false)
    },
    async stop(o) {
      await proc?.stop(10_000, o?.kill ? 'SIGKILL' : (spec.stopSignal ?? 'SIGTERM'))
    },
    async restart() {
      await server.stop()
      await server.start()
    },
    async dispose() {
      if (disposed) return
      disposed = true
      await proc?.stop(5000, spec.stopSignal)
      if (!spec.keepDir) rmSync(dir, { recursive: true, force: true })
    },
  }
  // A failed first start keeps its dir: the error names the log file in it.
  await launch(true)
  shared?.registerCleanup(() => server.dispose())
  return server
}
