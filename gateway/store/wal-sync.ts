/**
 * Group fsync of the SQLite write-ahead log, off the main thread.
 *
 * Ingest commits with `synchronous = NORMAL`: the commit writes its WAL frames to the
 * operating system (so a `kill -9` loses nothing) but does not wait for the disk. Before any
 * message of the group is acknowledged, `sync()` fsyncs the WAL file on libuv's thread pool;
 * every frame written before the fsync started is then on disk, and SQLite's WAL recovery
 * keeps every transaction whose commit frame is (power loss included). While one fsync runs,
 * the next groups commit and queue for the next fsync: one fsync covers them all.
 *
 * A failed fsync is final. After it, the kernel may have dropped the dirty pages it could not
 * write and mark them clean, so a later fsync would "succeed" over lost data (PostgreSQL's
 * fsyncgate); and the rows of the failed group sit in SQLite's view of the file, so a box's
 * resend would be deduplicated against a row that may never reach the disk and acknowledged.
 * So every later sync() fails too, nothing more is acknowledged, and `onFatal` tells the
 * gateway to end the process: systemd restarts it, and SQLite recovers from what is on disk.
 */
import { fsync, openSync, closeSync } from 'node:fs'

export class WalSync {
  private fd: number | null = null
  private running: Promise<void> | null = null
  private waiting: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | null = null
  /** fsyncs done since start, for metrics. */
  syncs = 0
  /** The fsync error that ended acknowledgements, if any. */
  failed: Error | null = null

  constructor(
    private readonly walFile: string,
    private readonly onFatal: (err: Error) => void = () => undefined,
  ) {}

  /** Resolves once everything written to the WAL before this call is on disk. */
  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.fsyncNow().finally(() => this.next())
      return this.running
    }
    // An fsync is running, but it may have started before our frames were written: wait for
    // the next one, shared by everyone who asks in the meantime.
    if (!this.waiting) {
      let resolve!: () => void
      let reject!: (e: Error) => void
      const promise = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      this.waiting = { promise, resolve, reject }
    }
    return this.waiting.promise
  }

  /** Waits for the fsyncs under way. */
  async drain(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined)
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }

  private next(): void {
    const w = this.waiting
    this.waiting = null
    if (!w) {
      this.running = null
      return
    }
    this.running = this.fsyncNow().finally(() => this.next())
    this.running.then(w.resolve, w.reject)
  }

  private fsyncNow(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed)
    // The WAL exists once the first transaction committed; it keeps its inode while the
    // database is open (a checkpoint restarts it in place), so one descriptor serves.
    if (this.fd === null) this.fd = openSync(this.walFile, 'r')
    const fd = this.fd
    this.syncs++
    return new Promise((resolve, reject) =>
      fsync(fd, (err) => {
        if (!err) return resolve()
        if (!this.failed) {
          this.failed = new Error(`fsync of ${this.walFile} failed (${err.code ?? err.message}): acknowledgements stopped`, { cause: err })
          this.onFatal(this.failed)
        }
        reject(this.failed)
      }),
    )
  }
}
