/**
 * The durable write of ingest, off the main thread: a worker thread with its own SQLite
 * connection commits each group in one transaction with `synchronous = FULL` (the WAL is
 * fsynced before the commit returns) and answers with the ids stored. The main thread parses,
 * deduplicates and attributes the next group meanwhile; it acknowledges a group only on this
 * answer, so a PUBACK still means the press is on disk.
 *
 * An I/O error of a commit (SQLITE_IOERR_*: a failed write or fsync of the WAL) is final, as a
 * failed fsync must be (PostgreSQL's fsyncgate): the kernel may have dropped the pages it
 * could not write, and the frames of the failed commit may or may not come back at
 * recovery, so a resend could be
 * deduplicated against a row that never reaches the disk. Every later write fails too,
 * nothing more is acknowledged, and `onFatal` tells the gateway to stop taking presses.
 * Other errors (a busy or full database, a constraint) fail only their group: the boxes resend.
 *
 * The boxes' last contact and last press (informational: box list, dashboard) are written by
 * the worker too, every few seconds in one transaction, so the main thread never waits for
 * the write lock the worker holds.
 */
import { Worker } from 'node:worker_threads'

/** One group on the wire: flat rows, cheap to copy between threads. */
export interface WireGroup {
  /** PRESS_COLUMNS values per press, one press after another. */
  presses: unknown[]
  /** [boxId, topic, receivedAt, reason, raw] per rejected message. */
  rejects: unknown[][]
  /** [receivedAt, state, statusJson, boxId] per status change. */
  statuses: unknown[][]
}
export interface WireResult {
  /** Per press: its id, or 0 when an earlier group had stored it already. */
  ids: number[]
  rejectedIds: number[]
}

export const PRESS_COLUMNS = ['box_id', 'boot', 'seq', 'rating', 'repeat', 'burst', 'clock_bad', 'received_at', 'age_ms', 'time_ms', 'office_id', 'counter_id', 'officer_id', 'window_id', 'no_window'] as const

// Plain JavaScript, evaluated in the worker: no TypeScript loader is needed there (tsx in a
// checkout, dist/ after the build: the same source).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const { columns, contactEveryMs } = workerData
const N = columns.length
// Rows per multi-row INSERT (15 parameters each, far below SQLite's limit).
const CHUNK = 64
const db = new Database(workerData.file, { fileMustExist: true })
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs)
db.pragma('synchronous = FULL')
db.pragma('foreign_keys = ON')
db.pragma('wal_autocheckpoint = ' + workerData.autocheckpoint)
const row = '(' + columns.map(() => '?').join(', ') + ')'
const inserts = new Map()
function insertOf(n) {
  let s = inserts.get(n)
  if (!s) {
    s = db.prepare('INSERT OR IGNORE INTO presses (' + columns.join(', ') + ') VALUES ' + Array(n).fill(row).join(', ') + ' RETURNING id').pluck()
    inserts.set(n, s)
  }
  return s
}
const idOf = db.prepare('SELECT id FROM presses WHERE box_id = ? AND boot = ? AND seq = ?').pluck()
const insertRejected = db.prepare('INSERT INTO rejected (box_id, topic, received_at, reason, raw) VALUES (?, ?, ?, ?, ?)')
const updateStatus = db.prepare('UPDATE boxes SET last_seen_at = ?, last_state = ?, last_status = COALESCE(?, last_status) WHERE id = ?')
const touchBox = db.prepare('UPDATE boxes SET last_seen_at = MAX(COALESCE(last_seen_at, 0), ?) WHERE id = ?')
const touchPress = db.prepare('UPDATE boxes SET last_press_at = MAX(COALESCE(last_press_at, 0), ?) WHERE id = ?')

const writeGroup = db.transaction((g) => {
  const ids = []
  const count = g.presses.length / N
  for (let i = 0; i < count; i += CHUNK) {
    const k = Math.min(CHUNK, count - i)
    const params = g.presses.slice(i * N, (i + k) * N)
    // The VALUES rows are inserted in order and AUTOINCREMENT ids only grow, so the ids
    // sorted follow the rows (RETURNING itself promises no order). A row the UNIQUE key
    // skipped leaves no id: then each press's own row says whether it was inserted now.
    const got = insertOf(k).all(params).sort((a, b) => a - b)
    if (got.length === k) {
      for (const id of got) ids.push(id)
    } else {
      const fresh = new Set(got)
      for (let j = 0; j < k; j++) {
        const o = j * N
        const id = idOf.get(params[o], params[o + 1], params[o + 2])
        ids.push(fresh.has(id) ? id : 0)
      }
    }
  }
  const rejectedIds = g.rejects.map((r) => {
    // A Buffer arrives as a plain Uint8Array: bound as a BLOB all the same once it is a Buffer.
    const raw = Buffer.from(r[4].buffer, r[4].byteOffset, r[4].byteLength)
    return Number(insertRejected.run(r[0], r[1], r[2], r[3], raw).lastInsertRowid)
  })
  for (const s of g.statuses) updateStatus.run(s)
  return { ids, rejectedIds }
})

let contacts = new Map()
function noteContact(boxId, seen, press) {
  const c = contacts.get(boxId)
  if (c) {
    c.seen = Math.max(c.seen, seen)
    c.press = Math.max(c.press, press)
  } else contacts.set(boxId, { seen, press })
}
function writeContacts() {
  if (contacts.size === 0 || failed) return
  const due = contacts
  contacts = new Map()
  try {
    db.transaction(() => {
      for (const [boxId, c] of due) {
        touchBox.run(c.seen, boxId)
        if (c.press > 0) touchPress.run(c.press, boxId)
      }
    })()
  } catch (err) {
    parentPort.postMessage({ warn: 'writing boxes’ last contact failed; will retry', error: String((err && err.message) || err) })
    for (const [boxId, c] of due) noteContact(boxId, c.seen, c.press)
  }
}
const timer = setInterval(writeContacts, contactEveryMs)

let failed = null
parentPort.on('message', (m) => {
  if (m.stop) {
    clearInterval(timer)
    writeContacts()
    db.close()
    parentPort.postMessage({ id: m.id, ok: true })
    return
  }
  if (failed) return parentPort.postMessage({ id: m.id, ok: false, fatal: true, message: failed, code: 'FAILED' })
  try {
    const r = writeGroup(m.group)
    const g = m.group
    for (let i = 0; i < r.ids.length; i++) {
      if (r.ids[i] !== 0) noteContact(g.presses[i * N], g.presses[i * N + 7], g.presses[i * N + 9])
    }
    for (const x of g.rejects) if (x[0] !== null) noteContact(x[0], x[2], 0)
    parentPort.postMessage({ id: m.id, ok: true, ids: r.ids, rejectedIds: r.rejectedIds })
  } catch (err) {
    const code = (err && err.code) || ''
    const message = String((err && err.message) || err)
    const fatal = /^SQLITE_IOERR/.test(code)
    if (fatal) failed = message + ' (' + code + ')'
    parentPort.postMessage({ id: m.id, ok: false, fatal, message, code })
  }
})
parentPort.postMessage({ ready: true })
`

export interface WriterThreadOptions {
  file: string
  /** The main connection's wal_autocheckpoint: 0 while the checkpointer's worker runs. */
  autocheckpoint: number
  busyTimeoutMs?: number
  contactEveryMs?: number
  /** The first I/O error (or the worker's death): nothing may be acknowledged after it. */
  onFatal: (err: Error) => void
  onWarn: (message: string, error: string) => void
}

type Waiter = { resolve: (r: WireResult) => void; reject: (e: Error) => void }

export class WriterThread {
  private worker!: Worker
  private nextId = 1
  private readonly waiting = new Map<number, Waiter>()
  /** The error that ended writing, if any: every later write fails with it. */
  failed: Error | null = null

  constructor(private readonly opts: WriterThreadOptions) {}

  async start(): Promise<void> {
    const driver = new URL(import.meta.resolve('better-sqlite3')).pathname
    const workerData = { file: this.opts.file, driver, columns: PRESS_COLUMNS, autocheckpoint: this.opts.autocheckpoint, busyTimeoutMs: this.opts.busyTimeoutMs ?? 5000, contactEveryMs: this.opts.contactEveryMs ?? 2000 }
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData })
    this.worker.unref()
    await new Promise<void>((resolve, reject) => {
      this.worker.once('message', () => resolve())
      this.worker.once('error', reject)
    })
    this.worker.on('message', (m: { id?: number; ok?: boolean; fatal?: boolean; message?: string; code?: string; warn?: string; error?: string } & Partial<WireResult>) => {
      if (m.warn) return this.opts.onWarn(m.warn, m.error ?? '')
      const w = this.waiting.get(m.id!)
      if (!w) return
      this.settled(m.id!)
      if (m.ok) return w.resolve({ ids: m.ids ?? [], rejectedIds: m.rejectedIds ?? [] })
      const err = Object.assign(new Error(m.message), { code: m.code })
      if (m.fatal) return w.reject(this.fail(new Error(`a commit of presses failed with an I/O error (${m.code}: ${m.message}): acknowledgements stopped`, { cause: err })))
      w.reject(err)
    })
    this.worker.on('error', (err) => this.died(err))
    this.worker.on('exit', (code) => this.died(new Error(`the press writer thread exited (code ${code})`)))
  }

  /** Commits one group; resolves once it is on disk, with the ids stored. */
  write(group: WireGroup): Promise<WireResult> {
    if (this.failed) return Promise.reject(this.failed)
    return this.request({ group })
  }

  /** Writes the last contacts and closes the worker's connection (after the group in flight). */
  async stop(): Promise<void> {
    if (!this.worker) return
    if (!this.failed) await this.request({ stop: true }).catch(() => undefined)
    this.worker.removeAllListeners('exit')
    await this.worker.terminate()
  }

  private request(body: object): Promise<WireResult> {
    const id = this.nextId++
    // Referenced while an answer is awaited: a process must not end with a commit in flight.
    if (this.waiting.size === 0) this.worker.ref()
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.worker.postMessage({ id, ...body })
    })
  }

  private settled(id: number): void {
    this.waiting.delete(id)
    if (this.waiting.size === 0) this.worker.unref()
  }

  private died(err: Error): void {
    const fatal = this.fail(new Error(`the press writer thread failed (${err.message}): acknowledgements stopped`, { cause: err }))
    for (const [id, w] of this.waiting) {
      this.settled(id)
      w.reject(fatal)
    }
  }

  private fail(err: Error): Error {
    if (this.failed) return this.failed
    this.failed = err
    this.opts.onFatal(err)
    return err
  }
}
