/**
 * Benchmark child processes: each system under test (bare Aedes, the gateway) and the load
 * generator runs in its own Node process, so none shares an event loop with another and
 * the OS can put them on different cores. Parent and child talk over the IPC channel with
 * small request/reply messages; every wait is bounded by a timeout, and every child is
 * killed when the parent exits.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

export interface ChildOptions {
  /** Extra Node flags, e.g. `--cpu-prof`. */
  execArgv?: string[]
  env?: NodeJS.ProcessEnv
  /** How long to wait for the child's `ready` message. */
  readyTimeoutMs?: number
  /** Run on plain Node, without tsx: for the compiled (.js) targets, measured as installed. */
  plain?: boolean
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

const live = new Set<ChildProcess>()
let exitHooked = false

function hookExit(): void {
  if (exitHooked) return
  exitHooked = true
  // A crashed or interrupted run must not leave brokers holding ports.
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL')
  })
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const c of live) c.kill('SIGKILL')
      process.exit(130)
    })
  }
}

/** A child started from one of the bench modules; `ready` holds what it reported at start. */
export class BenchChild<Ready = Record<string, unknown>> {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private stderrTail = ''
  ready!: Ready
  /** Milliseconds from the fork to the child's `ready`: its start time. */
  startMs = 0

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {}

  get pid(): number {
    return this.proc.pid ?? -1
  }

  static async start<R = Record<string, unknown>>(
    name: string,
    moduleUrl: URL,
    args: string[] = [],
    opts: ChildOptions = {},
  ): Promise<BenchChild<R>> {
    hookExit()
    const file = fileURLToPath(moduleUrl)
    const t0 = performance.now()
    const proc = fork(file, args, {
      execArgv: [...(opts.plain ? [] : ['--import', 'tsx']), ...(opts.execArgv ?? [])],
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    })
    live.add(proc)
    const child = new BenchChild<R>(name, proc)
    proc.stderr?.on('data', (d: Buffer) => {
      child.stderrTail = (child.stderrTail + d.toString()).slice(-4000)
    })
    proc.on('message', (m) => child.onMessage(m as { id?: number; result?: unknown; error?: string }))
    proc.on('exit', (code, signal) => {
      live.delete(proc)
      for (const [, p] of child.pending) {
        clearTimeout(p.timer)
        p.reject(new Error(`${name} exited (code ${code}, signal ${signal}): ${child.stderrTail.trim().slice(-1500)}`))
      }
      child.pending.clear()
    })
    child.ready = (await child.waitFor(0, opts.readyTimeoutMs ?? 60_000)) as R
    child.startMs = performance.now() - t0
    return child
  }

  private onMessage(m: { id?: number; result?: unknown; error?: string }): void {
    const p = this.pending.get(m.id ?? -1)
    if (!p) return
    this.pending.delete(m.id!)
    clearTimeout(p.timer)
    if (m.error !== undefined) p.reject(new Error(`${this.name}: ${m.error}`))
    else p.resolve(m.result)
  }

  private waitFor(id: number, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: no answer within ${timeoutMs} ms. stderr: ${this.stderrTail.trim().slice(-1500)}`))
      }, timeoutMs)
      this.pending.set(id, { resolve, reject, timer })
    })
  }

  /** Sends a request and waits (bounded) for its reply. */
  request<T = unknown>(type: string, payload: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++
    const wait = this.waitFor(id, timeoutMs)
    this.proc.send({ id, type, ...payload })
    return wait as Promise<T>
  }

  /** Asks the child to stop, then kills it if it has not exited in time. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()))
    try {
      this.proc.send({ id: -1, type: 'stop' })
    } catch {
      // Channel already closed: the kill below decides.
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs)
    await exited
    clearTimeout(timer)
  }

}

// The child side lives in a plain JavaScript module, so the compiled targets (run by plain
// Node, without tsx) answer the parent the same way.
export { collectGarbage, serveParent, type Handler } from './serve-parent.js'
