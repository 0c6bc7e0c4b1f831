/**
 * Who gets the credit for a press: box -> counter (assignment history) -> officer on duty at
 * the press's time. An explicit duty session (sign-in, or the "nobody" left by a sign-out)
 * wins over the weekly shift schedule; no one on duty leaves the press unattributed.
 */
import type { Db } from './store/database.ts'
import { localTime } from './local-time.ts'
import type { Statement } from 'better-sqlite3'

export interface Attribution {
  officeId: string | null
  counterId: string | null
  officerId: string | null
}

export class Attributor {
  private readonly counterAt: Statement
  private readonly officeOf: Statement
  private readonly session: Statement
  private readonly shift: Statement

  constructor(
    db: Db,
    private readonly timezone: string,
  ) {
    this.counterAt = db.prepare(
      'SELECT counter_id FROM box_assignments WHERE box_id = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?) ORDER BY from_ms DESC LIMIT 1',
    )
    this.officeOf = db.prepare('SELECT office_id FROM counters WHERE id = ?')
    this.session = db.prepare(
      'SELECT officer_id FROM duty_sessions WHERE counter_id = ? AND start_ms <= ? AND (end_ms IS NULL OR end_ms > ?) ORDER BY start_ms DESC, id DESC LIMIT 1',
    )
    this.shift = db.prepare(
      'SELECT officer_id FROM shifts WHERE counter_id = ? AND weekday = ? AND start_min <= ? AND end_min > ? ORDER BY id DESC LIMIT 1',
    )
  }

  attribute(boxId: string, timeMs: number): Attribution {
    const counterId = (this.counterAt.get(boxId, timeMs, timeMs) as { counter_id: string } | undefined)?.counter_id ?? null
    if (!counterId) return { officeId: null, counterId: null, officerId: null }
    const officeId = (this.officeOf.get(counterId) as { office_id: string } | undefined)?.office_id ?? null
    return { officeId, counterId, officerId: this.officerAt(counterId, timeMs) }
  }

  /** The officer on duty at a counter at `timeMs`, or null. */
  officerAt(counterId: string, timeMs: number): string | null {
    const session = this.session.get(counterId, timeMs, timeMs) as { officer_id: string | null } | undefined
    if (session) return session.officer_id
    const lt = localTime(timeMs, this.timezone)
    const shift = this.shift.get(counterId, lt.weekday, lt.minute, lt.minute) as { officer_id: string } | undefined
    return shift?.officer_id ?? null
  }
}
