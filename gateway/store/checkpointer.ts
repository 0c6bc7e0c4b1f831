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
 */
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
const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)')
    let truncated = false
    if (walSize() > workerData.walMaxBytes) {
      const [t] = db.pragma('wal_checkpoint(TRUNCATE)')
      truncated = t.busy === 0
    }
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed, truncated, walBytes: walSize() })
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
  /** TRUNCATE checkpoints run because the WAL passed its limit. */
  truncations: number
  /** Size of the WAL file after the last checkpoint. */
  walBytes: number
}

export class Checkpointer {
  readonly stats: CheckpointStats = { runs: 0, failures: 0, walFrames: 0, checkpointed: 0, truncations: 0, walBytes: 0 }
  private worker?: Worker

  constructor(
    private readonly deps: { db: Db; file: string; log: Logger; intervalMs?: number; walMaxBytes?: number },
  ) {}

  start(): void {
    const { db, file, log } = this.deps
    const driver = import.meta.resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver: new URL(driver).pathname, intervalMs: this.deps.intervalMs ?? 1000, walMaxBytes: this.deps.walMaxBytes ?? 64 * 1048576 },
    })
    db.pragma('wal_autocheckpoint = 0')
    this.worker.on('message', (m: { ok: boolean; log?: number; checkpointed?: number; truncated?: boolean; walBytes?: number; error?: string }) => {
      this.stats.runs++
      if (m.ok) {
        this.stats.walFrames = m.log ?? 0
        this.stats.checkpointed = m.checkpointed ?? 0
        this.stats.walBytes = m.walBytes ?? 0
        if (m.truncated) this.stats.truncations++
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
