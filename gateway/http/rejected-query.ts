/**
 * The rejected messages behind the dashboard's "rejected" alert, newest first. The ingest
 * writes the `rejected` table (group-writer.ts); this is what the dashboard reads of it.
 */
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'

export interface RejectedRow {
  id: number
  boxId: string | null
  topic: string
  receivedAt: number
  reason: string
  /** The first 200 characters of the payload as text. */
  raw: string | null
  /** The office the box stands in now; null for unknown or unassigned boxes. */
  officeId: string | null
}

/**
 * The last `limit` rejected messages, of one office or (officeId null) of every office.
 * Messages from unknown boxes belong to no office: only users of every office see them.
 */
export function recentRejected(db: Db, officeId: string | null, limit: number): RejectedRow[] {
  return sql<[string | null, string | null, number], RejectedRow>(
    db,
    `SELECT r.id, r.box_id AS boxId, r.topic, r.received_at AS receivedAt, r.reason,
            substr(CAST(r.raw AS TEXT), 1, 200) AS raw, c.office_id AS officeId
       FROM rejected r
       LEFT JOIN box_assignments a ON a.box_id = r.box_id AND a.to_ms IS NULL
       LEFT JOIN counters c ON c.id = a.counter_id
      WHERE ? IS NULL OR c.office_id = ?
      ORDER BY r.id DESC LIMIT ?`,
  ).all(officeId, officeId, limit)
}
