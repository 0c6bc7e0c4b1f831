/**
 * The persist step of ingest: writes one group of messages (presses, rejected messages, box
 * status) to SQLite in one transaction. Presses go in as multi-row INSERT OR IGNOREs, so a
 * press already stored by an earlier group (a retransmission) is skipped by the UNIQUE
 * (box_id, boot, seq) key. Boxes' last-contact times are informational and written every
 * few seconds, not in every group.
 */
import type { Statement } from 'better-sqlite3'
import type { PressPayload } from '../protocol/index.ts'
import type { RejectedMessage, StoredPress } from './events.ts'
import type { Logger } from './log.ts'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'

export type Done = (err?: Error | null) => void

/** `rejected` keeps the first KiB of a message: enough to see what a box sent, never a flood's bulk. */
const REJECTED_RAW_BYTES = 1024

/** Rows per multi-row INSERT (15 parameters each, far below SQLite's limit). */
const PRESS_CHUNK = 64

export interface PressItem {
  type: 'press'
  boxId: string
  press: PressPayload
  receivedAt: number
  timeMs: number
  repeat: boolean
  /** Beyond the human rate: stored with repeat = 1 and burst = 1. */
  burst: boolean
  /** Received while the host clock was known bad (clock-guard.ts): stored with clock_bad = 1. */
  clockBad?: boolean
  officeId: string | null
  counterId: string | null
  officerId: string | null
  /** The rating window the press rated (windows.ts), and whether it was made outside any. */
  windowId: string | null
  noWindow: boolean
  done: Done
}
export interface StatusItem {
  type: 'status'
  boxId: string
  state: 'online' | 'offline'
  status: unknown
  receivedAt: number
  done: Done
}
export interface RejectItem {
  type: 'reject'
  boxId: string | null
  topic: string
  raw: Buffer
  reason: string
  receivedAt: number
  done: Done
}
/** A message that needs nothing written (a duplicate): acknowledged with the group. */
export interface AckItem {
  type: 'ack'
  done: Done
}
export type Item = PressItem | StatusItem | RejectItem | AckItem

export interface GroupWriterDeps {
  db: Db
  /**
   * True when the caller makes commits durable itself (an fsync of the WAL off the main
   * thread, store/wal-sync.ts): commits then only write to the OS (`synchronous = NORMAL`).
   */
  durableLater: boolean
  log: Logger
}

export class GroupWriter {
  private contacts = new Map<string, { seen: number; press: number }>()
  private contactTimer?: NodeJS.Timeout
  private sql!: {
    idOf: Statement
    insertRejected: Statement
    updateStatus: Statement
    touchBox: Statement
    touchPress: Statement
  }

  constructor(private readonly deps: GroupWriterDeps) {}

  start(): void {
    const db = this.deps.db
    this.sql = {
      idOf: sql(db, 'SELECT id FROM presses WHERE box_id = ? AND boot = ? AND seq = ?', { pluck: true }),
      insertRejected: sql(db, 'INSERT INTO rejected (box_id, topic, received_at, reason, raw) VALUES (?, ?, ?, ?, ?)'),
      updateStatus: sql(db, 'UPDATE boxes SET last_seen_at = ?, last_state = ?, last_status = COALESCE(?, last_status) WHERE id = ?'),
      touchBox: sql(db, 'UPDATE boxes SET last_seen_at = MAX(COALESCE(last_seen_at, 0), ?) WHERE id = ?'),
      touchPress: sql(db, 'UPDATE boxes SET last_press_at = MAX(COALESCE(last_press_at, 0), ?) WHERE id = ?'),
    }
    this.contactTimer = setInterval(() => this.writeContacts(), 2000)
    this.contactTimer.unref()
  }

  stop(): void {
    clearInterval(this.contactTimer)
    this.writeContacts()
  }

  /** Writes one group in one transaction; throws if the commit fails (nothing of it is stored). */
  write(items: Item[]): { stored: StoredPress[]; rejected: RejectedMessage[] } {
    const stored: StoredPress[] = []
    const rejected: RejectedMessage[] = []
    const db = this.deps.db
    // With a WalSync, this commit only writes to the OS; the fsync follows off the main thread.
    if (this.deps.durableLater) db.pragma('synchronous = NORMAL')
    try {
      this.persistGroup(items, stored, rejected)
    } finally {
      if (this.deps.durableLater) db.pragma('synchronous = FULL')
    }
    return { stored, rejected }
  }

  private persistGroup(items: Item[], stored: StoredPress[], rejected: RejectedMessage[]): void {
    const presses = items.filter((i): i is PressItem => i.type === 'press')
    this.deps.db.transaction(() => {
      // Presses go in as multi-row INSERTs: one statement per PRESS_CHUNK rows costs less than one per row.
      for (let i = 0; i < presses.length; i += PRESS_CHUNK) this.insertPresses(presses.slice(i, i + PRESS_CHUNK), stored)
      for (const item of items) {
        if (item.type === 'reject') {
          const id = Number(this.sql.insertRejected.run(item.boxId, item.topic, item.receivedAt, item.reason, item.raw.subarray(0, REJECTED_RAW_BYTES)).lastInsertRowid)
          rejected.push({ id, boxId: item.boxId, topic: item.topic, receivedAt: item.receivedAt, reason: item.reason })
          if (item.boxId) this.noteContact(item.boxId, item.receivedAt, 0)
        } else if (item.type === 'status') {
          this.sql.updateStatus.run(item.receivedAt, item.state, item.status === null ? null : JSON.stringify(item.status), item.boxId)
        }
      }
    })()
  }

  /** Inserts up to PRESS_CHUNK presses; those the UNIQUE key ignores were stored by an earlier group. */
  private insertPresses(chunk: PressItem[], stored: StoredPress[]): void {
    const row = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
    const stmt = sql(
      this.deps.db,
      `INSERT OR IGNORE INTO presses (box_id, boot, seq, rating, repeat, burst, clock_bad, received_at, age_ms, time_ms, office_id, counter_id, officer_id, window_id, no_window)
         VALUES ${Array(chunk.length).fill(row).join(', ')} RETURNING id`,
      { pluck: true },
    )
    const params: unknown[] = []
    for (const item of chunk) {
      const { press } = item
      params.push(item.boxId, press.boot, press.seq, press.rating, item.repeat || item.burst ? 1 : 0, item.burst ? 1 : 0, item.clockBad ? 1 : 0, item.receivedAt, press.ageMs, item.timeMs, item.officeId, item.counterId, item.officerId, item.windowId, item.noWindow ? 1 : 0)
    }
    // The VALUES rows are inserted in order and AUTOINCREMENT ids only grow, so the ids sorted
    // follow the chunk (RETURNING itself promises no order). A row the UNIQUE key skipped
    // leaves no id: then each press's own row says whether it was inserted just now.
    const ids = (stmt.all(params) as number[]).sort((a, b) => a - b)
    const fresh = new Set(ids)
    chunk.forEach((item, k) => {
      const id = ids.length === chunk.length ? ids[k] : (this.sql.idOf.get(item.boxId, item.press.boot, item.press.seq) as number)
      if (ids.length !== chunk.length && !fresh.has(id)) return // stored by an earlier group
      const { press } = item
      stored.push({ id, boxId: item.boxId, boot: press.boot, seq: press.seq, rating: press.rating, repeat: item.repeat || item.burst, ...(item.burst ? { burst: true } : {}), ...(item.clockBad ? { clockBad: true } : {}), receivedAt: item.receivedAt, ageMs: press.ageMs, timeMs: item.timeMs, officeId: item.officeId, counterId: item.counterId, officerId: item.officerId, ...(item.windowId ? { windowId: item.windowId } : {}), ...(item.noWindow ? { noWindow: true } : {}) })
      this.noteContact(item.boxId, item.receivedAt, item.timeMs)
    })
  }

  /**
   * A box's last contact and last press are informational (box list, dashboard): kept in
   * memory and written every few seconds in one transaction, not as two UPDATEs per box in
   * every group commit (which cost as much as the inserts themselves).
   */
  private noteContact(boxId: string, seenAt: number, pressAt: number): void {
    const c = this.contacts.get(boxId)
    if (c) {
      c.seen = Math.max(c.seen, seenAt)
      c.press = Math.max(c.press, pressAt)
    } else this.contacts.set(boxId, { seen: seenAt, press: pressAt })
  }

  writeContacts(): void {
    if (this.contacts.size === 0 || !this.deps.db.open) return
    const due = this.contacts
    this.contacts = new Map()
    try {
      this.deps.db.transaction(() => {
        for (const [boxId, c] of due) {
          this.sql.touchBox.run(c.seen, boxId)
          if (c.press > 0) this.sql.touchPress.run(c.press, boxId)
        }
      })()
    } catch (err) {
      this.deps.log.warn({ err }, 'writing boxes’ last contact failed; will retry')
      for (const [boxId, c] of due) this.noteContact(boxId, c.seen, c.press)
    }
  }
}
