/**
 * The alerts as a record an office can be held to: each time a condition appears it is
 * raised as one alert with an id, the time, what it is about and its figures at that moment;
 * it stays the same alert while the condition lasts, is acknowledged by a named user with a
 * comment, and is resolved when the condition is gone. Every step is a row of its history
 * (tables `alerts` and `alert_events`, see store/migrations.ts).
 */
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { conditionKey, type Condition } from './conditions.ts'

export type AlertState = 'open' | 'acknowledged' | 'resolved'
export type AlertEventKind = 'raised' | 'acknowledged' | 'resolved'

export interface AlertEvent {
  at: number
  event: AlertEventKind
  /** The user who acted (acknowledged); null for what the gateway did itself. */
  user: string | null
  comment: string | null
}

/** One alert: the condition as raised (its figures then), plus its identity and state. */
export type AlertRecord = Condition & {
  id: number
  raisedAt: number
  state: AlertState
  resolvedAt: number | null
  acknowledgedAt: number | null
  acknowledgedBy: string | null
  comment: string | null
  history?: AlertEvent[]
}

export interface AlertQuery {
  /** Alerts of this office and the gateway's own (system) ones; null = all. */
  officeId: string | null
  state?: AlertState
  /** Raised at or after / before (ms). */
  fromMs?: number
  toMs?: number
  limit?: number
}

interface Row {
  id: number
  condition: string
  raised_at: number
  state: AlertState
  resolved_at: number | null
  acknowledged_at: number | null
  acknowledged_by: string | null
  ack_comment: string | null
}

export class AlertConflict extends Error {
  readonly statusCode = 409
}
export class AlertNotFound extends Error {
  readonly statusCode = 404
}

export class AlertHistory {
  constructor(private readonly db: Db) {}

  /**
   * Brings the record in line with what is wrong now: a new condition is raised, a condition
   * gone is resolved. Returns both, for delivery. One transaction: a crash leaves either.
   */
  sync(conditions: Condition[], now: number): { raised: AlertRecord[]; resolved: AlertRecord[] } {
    return this.db.transaction(() => {
      const active = sql(this.db, "SELECT id, key FROM alerts WHERE state != 'resolved'").all() as Array<{ id: number; key: string }>
      const activeKeys = new Map(active.map((a) => [a.key, a.id]))
      const seen = new Set<string>()
      const raised: AlertRecord[] = []
      for (const c of conditions) {
        const key = conditionKey(c)
        if (seen.has(key)) continue
        seen.add(key)
        if (activeKeys.has(key)) continue
        const { lastInsertRowid } = sql(
          this.db,
          `INSERT INTO alerts (key, kind, office_id, counter_id, officer_id, box_id, condition, raised_at, state)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
        ).run(key, c.kind, c.officeId, 'counterId' in c ? c.counterId : null, 'officerId' in c ? c.officerId : null, 'boxId' in c ? c.boxId : null, JSON.stringify(c), now)
        this.event(Number(lastInsertRowid), now, 'raised', null, null)
        raised.push(this.get(Number(lastInsertRowid))!)
      }
      const resolved: AlertRecord[] = []
      for (const [key, id] of activeKeys) {
        if (seen.has(key)) continue
        sql(this.db, "UPDATE alerts SET state = 'resolved', resolved_at = ? WHERE id = ?").run(now, id)
        this.event(id, now, 'resolved', null, null)
        resolved.push(this.get(id)!)
      }
      return { raised, resolved }
    })()
  }

  /** The active alert of a condition (its id and state), if raised. */
  activeOf(c: Condition): { id: number; state: AlertState; raisedAt: number } | undefined {
    return sql(this.db, "SELECT id, state, raised_at AS raisedAt FROM alerts WHERE key = ? AND state != 'resolved'").get(conditionKey(c)) as
      | { id: number; state: AlertState; raisedAt: number }
      | undefined
  }

  /**
   * A named user has seen the alert and says what is done about it. An open alert becomes
   * acknowledged; a resolved one that nobody acknowledged keeps its state and gets the comment
   * (a head explains after the fact); a second acknowledgement is refused.
   */
  acknowledge(id: number, by: { user: string; comment: string; at: number }): AlertRecord {
    return this.db.transaction(() => {
      const a = this.get(id)
      if (!a) throw new AlertNotFound(`no alert ${id}`)
      if (a.acknowledgedAt !== null) throw new AlertConflict(`alert ${id} was acknowledged by ${a.acknowledgedBy}`)
      sql(
        this.db,
        "UPDATE alerts SET state = CASE state WHEN 'open' THEN 'acknowledged' ELSE state END, acknowledged_at = ?, acknowledged_by = ?, ack_comment = ? WHERE id = ?",
      ).run(by.at, by.user, by.comment, id)
      this.event(id, by.at, 'acknowledged', by.user, by.comment)
      return this.get(id, true)!
    })()
  }

  get(id: number, withHistory = false): AlertRecord | undefined {
    const row = sql(this.db, `SELECT ${COLUMNS} FROM alerts WHERE id = ?`).get(id) as Row | undefined
    if (!row) return undefined
    const rec = toRecord(row)
    if (withHistory) rec.history = this.history(id)
    return rec
  }

  history(id: number): AlertEvent[] {
    return sql(this.db, 'SELECT at, event, user_name AS user, comment FROM alert_events WHERE alert_id = ? ORDER BY at, id').all(id) as AlertEvent[]
  }

  /** Newest first, each with its history. */
  list(q: AlertQuery): AlertRecord[] {
    const rows = sql(
      this.db,
      `SELECT ${COLUMNS} FROM alerts
        WHERE (? IS NULL OR office_id = ? OR (kind = 'system'))
          AND (? IS NULL OR state = ?)
          AND raised_at >= ? AND raised_at < ?
        ORDER BY raised_at DESC, id DESC
        LIMIT ?`,
    ).all(q.officeId, q.officeId, q.state ?? null, q.state ?? null, q.fromMs ?? 0, q.toMs ?? Number.MAX_SAFE_INTEGER, q.limit ?? 500) as Row[]
    return rows.map((r) => ({ ...toRecord(r), history: this.history(r.id) }))
  }

  private event(id: number, at: number, event: AlertEventKind, user: string | null, comment: string | null): void {
    sql(this.db, 'INSERT INTO alert_events (alert_id, at, event, user_name, comment) VALUES (?, ?, ?, ?, ?)').run(id, at, event, user, comment)
  }
}

const COLUMNS = 'id, condition, raised_at, state, resolved_at, acknowledged_at, acknowledged_by, ack_comment'

function toRecord(r: Row): AlertRecord {
  return {
    ...(JSON.parse(r.condition) as Condition),
    id: r.id,
    raisedAt: r.raised_at,
    state: r.state,
    resolvedAt: r.resolved_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    comment: r.ack_comment,
  }
}
