/**
 * Moves WAL checkpoints off the main thread. A checkpoint copies the log back into the
 * database file and fsyncs it: done inside a commit (SQLite's default, every 1000 pages) it
 * stalls every box for its duration. Here a worker thread with its own connection runs a
 * PASSIVE checkpoint every second (it never blocks the writer); the main connection's
 * automatic checkpoints are turned off while the worker runs, and back on if it fails.
 *
 * PASSIVE alone never lets the WAL wrap under sustained ingest: the log restarts from its
 * beginning only when a writer finds it wholly checkpointed, and a busy writer always adds
 * frames while the checkpoint runs (measured: a 57 MB WAL beside a 7 MB database, growing
 * back into any space freed on a full disk). So once the WAL file passes `walMaxBytes`, the
 * worker runs a TRUNCATE checkpoint: it waits for the writer's current commit, copies every
 * frame, and truncates the file to zero, so the next commit starts a fresh, small log. The
 * writer waits (busy timeout) for that one checkpoint: a pause of tens of milliseconds per
 * `walMaxBytes` written, in exchange for a bounded WAL.
 *
 * The worker runs only while the database is written. A worker thread is a second V8 heap
 * (about 5 MiB resident, measured: issue 14's idle memory); a gateway with no box pressing,
 * nights and weekends, needs none. The main thread looks at the WAL file every `intervalMs`
 * (one stat): a change in its size or modification time starts the worker; once the WAL is
 * wholly checkpointed and `idleStopMs` have passed without a change, the worker is stopped.
 * Any writer counts, the CLI's too: they all append to the same WAL.
 */
import { statSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import type { Logger } from '../log.ts'
import type { Db } from './database.ts'

// Plain JavaScript, evaluated in the worker: no TypeScript loader is needed there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const fs = require('node:fs')
const db = new Database(workerData.file)
db.pragma('busy_timeout = 5000')
const walSize = () => { try { return fs.statSync(workerData.file + '-wal').size } catch { return 0 } }
// The size is looked at every WATCH_MS, more often than the checkpoint runs: a fast writer
// adds megabytes a second, and a limit looked at once a second was overshot by as much.
const WATCH_MS = Math.min(100, workerData.intervalMs)
let lastRun = -Infinity
const timer = setInterval(() => {
  const over = walSize() > workerData.walMaxBytes
  if (!over && Date.now() - lastRun < workerData.intervalMs) return
  lastRun = Date.now()
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)')
    let truncated = false
    if (walSize() > workerData.walMaxBytes) {
      const [t] = db.pragma('wal_checkpoint(TRUNCATE)')
      truncated = t.busy === 0
    }
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed, truncated })
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) })
  }
}, WATCH_MS)
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); db.close(); process.exit(0) }
})
`

export interface CheckpointStats {
  runs: number
  failures: number
  /** Frames in the WAL at the last checkpoint, and how many of them were copied back. */
  walFrames: number
  checkpointed: number
  /** TRUNCATE checkpoints run because the WAL passed its limit. */
  truncations: number
  /** Size of the WAL file, as of the last look (every `intervalMs`). */
  walBytes: number
  /** Times the worker was started (it stops when the database is not written for a while). */
  workerStarts: number
  /** Whether the worker runs now. */
  workerRunning: boolean
}

interface WorkerReport {
  ok: boolean
  log?: number
  checkpointed?: number
  truncated?: boolean
  error?: string
}

export interface CheckpointerDeps {
  db: Db
  file: string
  log: Logger
  /** How often the worker checkpoints, and the main thread looks at the WAL (ms). */
  intervalMs?: number
  walMaxBytes?: number
  /** The worker stops once the WAL is checkpointed and unchanged this long (ms). */
  idleStopMs?: number
}

export class Checkpointer {
  readonly stats: CheckpointStats = {
    runs: 0,
    failures: 0,
    walFrames: 0,
    checkpointed: 0,
    truncations: 0,
    walBytes: 0,
    workerStarts: 0,
    workerRunning: false,
  }
  private worker?: Worker
  /** The exit of the last worker asked to stop. */
  private exited: Promise<void> = Promise.resolve()
  private watch?: NodeJS.Timeout
  /** The WAL file as last seen (size and mtime), and when it last changed (ms, monotonic). */
  private seen = ''
  private changedAt = 0
  /** Set when the worker failed: the main connection checkpoints in-line from then on. */
  private inline = false
  private stopping = false

  constructor(private readonly deps: CheckpointerDeps) {}

  start(): void {
    this.stopping = false
    this.deps.db.pragma('wal_autocheckpoint = 0')
    this.look()
    const timer = setInterval(() => this.look(), this.deps.intervalMs ?? 1000)
    timer.unref()
    this.watch = timer
  }

  async stop(): Promise<void> {
    this.stopping = true
    clearInterval(this.watch)
    this.watch = undefined
    await this.stopWorker()
    // One last complete checkpoint, so a stopped gateway leaves a small WAL behind.
    if (this.deps.db.open) {
      this.deps.db.pragma('wal_autocheckpoint = 1000')
      this.deps.db.pragma('wal_checkpoint(TRUNCATE)')
    }
  }

  /** One look at the WAL file: a change starts the worker, a long enough calm stops it. */
  private look(): void {
    let st: { size: number; mtimeMs: number } | null = null
    try {
      st = statSync(`${this.deps.file}-wal`)
    } catch {
      // No WAL file (yet): nothing to checkpoint.
    }
    this.stats.walBytes = st?.size ?? 0
    const seen = st ? `${st.size}/${st.mtimeMs}` : ''
    const now = performance.now()
    if (seen !== this.seen) {
      this.seen = seen
      this.changedAt = now
      if (st && st.size > 0 && !this.worker && !this.inline && !this.stopping) this.startWorkerOrInline()
      return
    }
    const calm = now - this.changedAt >= (this.deps.idleStopMs ?? 15_000)
    if (this.worker && calm && this.stats.checkpointed === this.stats.walFrames) void this.stopWorker()
  }

  /** Called from a timer: a worker that cannot even be created must not take the gateway down. */
  private startWorkerOrInline(): void {
    try {
      this.startWorker()
    } catch (err) {
      this.fallBackInline(err as Error)
    }
  }

  private fallBackInline(err: Error): void {
    this.deps.log.error({ err }, 'checkpoint worker failed; the gateway checkpoints in-line again')
    this.inline = true
    if (this.deps.db.open) this.deps.db.pragma('wal_autocheckpoint = 1000')
  }

  private startWorker(): void {
    const { file, log } = this.deps
    const driver = import.meta.resolve('better-sqlite3')
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file,
        driver: new URL(driver).pathname,
        intervalMs: this.deps.intervalMs ?? 1000,
        walMaxBytes: this.deps.walMaxBytes ?? 64 * 1048576,
      },
    })
    this.worker = worker
    this.stats.workerStarts++
    this.stats.workerRunning = true
    // Until the worker reports, the WAL counts as not checkpointed (the worker is not stopped unread).
    this.stats.walFrames = -1
    worker.on('message', (m: WorkerReport) => {
      this.stats.runs++
      if (m.ok) {
        this.stats.walFrames = m.log ?? 0
        this.stats.checkpointed = m.checkpointed ?? 0
        if (m.truncated) this.stats.truncations++
      } else {
        this.stats.failures++
        log.warn({ err: m.error }, 'WAL checkpoint failed; will retry')
      }
    })
    worker.on('error', (err) => this.fallBackInline(err))
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined
      // A worker asked to stop can exit after the next one has started.
      this.stats.workerRunning = this.worker !== undefined
    })
    worker.unref()
  }

  /** Resolves once the worker has exited; also when a stop asked for earlier (a calm WAL) is still under way. */
  private stopWorker(): Promise<void> {
    const w = this.worker
    this.worker = undefined
    if (w) {
      this.exited = new Promise<void>((resolve) => w.once('exit', () => resolve()))
      // The worker is unref'd so it never keeps a finished process alive; while we wait for it
      // to exit it must, or the process could end in the middle of stopping.
      w.ref()
      w.postMessage('stop')
    }
    return this.exited
  }
}
