/**
 * The persist step of ingest: turns one group of messages (presses, rejected messages, box
 * status) into rows and has the writer thread (store/writer-thread.ts) commit them in one
 * transaction, fsynced, off the main thread. Presses go in as multi-row INSERT OR IGNOREs,
 * so a press already stored by an earlier group (a retransmission) is skipped by the UNIQUE
 * (box_id, boot, seq) key and left out of what was stored. Boxes' last-contact times are
 * informational and written by the thread every few seconds, not in every group.
 */
import type { PressPayload } from '../protocol/index.ts'
import type { RejectedMessage, StoredPress } from './events.ts'
import type { WireGroup, WriterThread } from './store/writer-thread.ts'

export type Done = (err?: Error | null) => void

/** `rejected` keeps the first KiB of a message: enough to see what a box sent, never a flood's bulk. */
const REJECTED_RAW_BYTES = 1024

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

export class GroupWriter {
  constructor(private readonly thread: WriterThread) {}

  /**
   * Commits one group in one transaction; resolves once it is on disk with what was stored
   * (presses an earlier group stored are left out), rejects if the commit failed (nothing of
   * the group is stored).
   */
  async write(items: Item[]): Promise<{ stored: StoredPress[]; rejected: RejectedMessage[] }> {
    const presses: PressItem[] = []
    const group: WireGroup = { presses: [], rejects: [], statuses: [] }
    const rejects: RejectItem[] = []
    for (const item of items) {
      if (item.type === 'press') {
        presses.push(item)
        const { press } = item
        // In the order of PRESS_COLUMNS (store/writer-thread.ts).
        group.presses.push(item.boxId, press.boot, press.seq, press.rating, item.repeat || item.burst ? 1 : 0, item.burst ? 1 : 0, item.clockBad ? 1 : 0, item.receivedAt, press.ageMs, item.timeMs, item.officeId, item.counterId, item.officerId, item.windowId, item.noWindow ? 1 : 0)
      } else if (item.type === 'reject') {
        rejects.push(item)
        group.rejects.push([item.boxId, item.topic, item.receivedAt, item.reason, item.raw.subarray(0, REJECTED_RAW_BYTES)])
      } else if (item.type === 'status') {
        group.statuses.push([item.receivedAt, item.state, item.status === null ? null : JSON.stringify(item.status), item.boxId])
      }
    }
    const { ids, rejectedIds } = await this.thread.write(group)
    const stored: StoredPress[] = []
    presses.forEach((item, k) => {
      const id = ids[k]
      if (id === 0) return // stored by an earlier group
      const { press } = item
      stored.push({ id, boxId: item.boxId, boot: press.boot, seq: press.seq, rating: press.rating, repeat: item.repeat || item.burst, ...(item.burst ? { burst: true } : {}), ...(item.clockBad ? { clockBad: true } : {}), receivedAt: item.receivedAt, ageMs: press.ageMs, timeMs: item.timeMs, officeId: item.officeId, counterId: item.counterId, officerId: item.officerId, ...(item.windowId ? { windowId: item.windowId } : {}), ...(item.noWindow ? { noWindow: true } : {}) })
    })
    const rejected = rejects.map((item, k) => ({ id: rejectedIds[k], boxId: item.boxId, topic: item.topic, receivedAt: item.receivedAt, reason: item.reason }))
    return { stored, rejected }
  }
}
