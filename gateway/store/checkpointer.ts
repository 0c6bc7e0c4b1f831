/**
 * Moves WAL checkpoints off the main thread. A checkpoint copies the log back into the
 * database file and fsyncs it: done inside a commit (SQLite's default, every 1000 pages) it
 * stalls every box for its duration. Here a worker thread with its own connection runs a
 * PASSIVE checkpoint every second (it never blocks the writer); the main connection's
 * automatic checkpoints are turned off while the worker runs, and back on if it fails.
 */
import { Worker } from 'node:worker_threads'
import type { Logger } from '../log.ts'
import type { Db } from './database.ts'

// Plain JavaScript, evaluated in the worker: no TypeScript loader is needed there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('busy_timeout = 1000')
const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)')
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed })
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) })
  }
}, workerData.intervalMs)
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
}

export class Checkpointer {
  readonly stats: CheckpointStats = { runs: 0, failures: 0, walFrames: 0, checkpointed: 0 }
  private worker?: Worker

  constructor(
    private readonly deps: { db: Db; file: string; log: Logger; intervalMs?: number },
  ) {}

  start(): void {
    const { db, file, log } = this.deps
    const driver = import.meta.resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver: new URL(driver).pathname, intervalMs: this.deps.intervalMs ?? 1000 },
    })
    db.pragma('wal_autocheckpoint = 0')
    this.worker.on('message', (m: { ok: boolean; log?: number; checkpointed?: number; error?: string }) => {
      this.stats.runs++
      if (m.ok) {
        this.stats.walFrames = m.log ?? 0
        this.stats.checkpointed = m.checkpointed ?? 0
      } else {
        this.stats.failures++
        log.warn({ err: m.error }, 'WAL checkpoint failed; will retry')
      }
    })
    this.worker.on('error', (err) => {
      log.error({ err }, 'checkpoint worker failed; the gateway checkpoints in-line again')
      db.pragma('wal_autocheckpoint = 1000')
    })
    this.worker.unref()
  }

  async stop(): Promise<void> {
    const w = this.worker
    this.worker = undefined
    if (!w) return
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()))
    // The worker is unref'd so it never keeps a finished process alive; while we wait for it
    // to exit it must, or the process could end in the middle of stopping.
    w.ref()
    w.postMessage('stop')
    await exited
    // One last complete checkpoint, so a stopped gateway leaves a small WAL behind.
    if (this.deps.db.open) {
      this.deps.db.pragma('wal_autocheckpoint = 1000')
      this.deps.db.pragma('wal_checkpoint(TRUNCATE)')
    }
  }
}
