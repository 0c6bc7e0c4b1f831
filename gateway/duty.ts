/**
 * Who is on duty: explicit duty sessions (sign-in / sign-out through the dashboard, the CLI or
 * the API) and the weekly shift schedule, in the office's local time. Attribution
 * (attribution.ts) reads both; an explicit sign-in wins over the schedule. Every change emits
 * `registryChanged` (through the registry) so attribution caches and the boxes' config follow,
 * and is recorded in the audit trail in its own transaction (registry.audited).
 */
import type { Statement } from 'better-sqlite3'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import type { RegistryChange } from './events.ts'
import { formatHhMm, localTime } from './local-time.ts'
import type { Clock } from './clock.ts'
import { ConflictError, NotFoundError, RegistryError } from './registry-errors.ts'
import type { AuditOf, Registry } from './registry.ts'

export interface DutySession {
  id: number
  counterId: string
  officerId: string | null
  startMs: number
  endMs: number | null
  source: string
}
export interface Shift {
  id: number
  counterId: string
  officerId: string
  weekday: number
  startMin: number
  endMin: number
}

export interface DutyDeps {
  db: Db
  timezone: string
  now: Clock
  /** Looks up (and requires) the officers and counters a change names. */
  registry: Pick<Registry, 'requireOfficer' | 'requireCounter' | 'audited'>
  changed: (kind: string, detail: Omit<RegistryChange, 'kind'>) => void
}

export class Duty {
  private readonly db: Db
  private readonly timezone: string
  private readonly now: Clock
  private readonly registry: DutyDeps['registry']
  private readonly changed: DutyDeps['changed']

  constructor(deps: DutyDeps) {
    this.db = deps.db
    this.timezone = deps.timezone
    this.now = deps.now
    this.registry = deps.registry
    this.changed = deps.changed
  }

  // ---- duty sessions ------------------------------------------------------------------------------

  /**
   * Signs an officer in at a counter from `at`. An officer is at one counter at a time and a
   * counter has one officer: any open session of either is closed at `at`. An explicit
   * sign-in wins over the shift schedule (attribution.ts).
   */
  signIn(officerId: string, counterId: string, at = this.now(), source = 'api'): DutySession {
    const officer = this.registry.requireOfficer(officerId)
    const counter = this.registry.requireCounter(counterId)
    if (officer.officeId !== counter.officeId) {
      throw new RegistryError(
        `officer ${officerId} belongs to office ${officer.officeId}, counter ${counterId} to ${counter.officeId}`,
        'OFFICER_OTHER_OFFICE',
        { officer: officerId, counter: counterId },
      )
    }
    const id = this.registry.audited(() => {
      this.sql(
        'UPDATE duty_sessions SET end_ms = ? WHERE end_ms IS NULL AND (officer_id = ? OR counter_id = ?) AND start_ms <= ?',
      ).run(at, officerId, counterId, at)
      return Number(
        this.sql(
          'INSERT INTO duty_sessions (counter_id, officer_id, start_ms, source) VALUES (?, ?, ?, ?)',
        ).run(counterId, officerId, at, source).lastInsertRowid,
      )
    }, (session) => ({
      action: 'duty.sign-in',
      subject: `officer:${officerId}`,
      officeId: counter.officeId,
      counterId,
      officerId,
      effectiveAt: at,
      details: { session },
    }))
    // The officer's session at another counter may have ended too.
    this.changed('duty', { counterId, officerId })
    return this.dutySession(id)!
  }

  /**
   * Signs an officer out at `at`: closes their open session. If the schedule has them on duty
   * at that moment, a "nobody" session covers the rest of that shift, so a scheduled officer
   * who leaves early is not credited with the presses after they left.
   */
  signOut(officerId: string, at = this.now(), source = 'api'): { counterId: string | null } {
    const officer = this.registry.requireOfficer(officerId)
    const counters = new Set<string>()
    this.registry.audited(() => {
      const open = this.sql(
        'SELECT id, counter_id FROM duty_sessions WHERE officer_id = ? AND end_ms IS NULL',
      ).all(officerId) as Array<{ id: number; counter_id: string }>
      for (const s of open) {
        this.sql('UPDATE duty_sessions SET end_ms = ? WHERE id = ?').run(Math.max(at, 0), s.id)
        counters.add(s.counter_id)
      }
      const lt = localTime(at, this.timezone)
      // Shifts are whole minutes: the "nobody" session ends exactly at the shift's end.
      const minuteStart = at - (at % 60_000)
      const scheduled = this.sql(
        'SELECT counter_id, end_min FROM shifts WHERE officer_id = ? AND weekday = ? AND start_min <= ? AND end_min > ?',
      ).all(officerId, lt.weekday, lt.minute, lt.minute) as Array<{
        counter_id: string
        end_min: number
      }>
      for (const s of scheduled) {
        const endMs = minuteStart + (s.end_min - lt.minute) * 60_000
        this.sql(
          'INSERT INTO duty_sessions (counter_id, officer_id, start_ms, end_ms, source) VALUES (?, NULL, ?, ?, ?)',
        ).run(s.counter_id, at, endMs, source)
        counters.add(s.counter_id)
      }
      if (counters.size === 0) throw new ConflictError(`officer ${officerId} is not on duty`, 'NOT_ON_DUTY', { officer: officerId })
    }, () => ({
      action: 'duty.sign-out',
      subject: `officer:${officerId}`,
      officeId: officer.officeId,
      counterId: [...counters][0],
      officerId,
      effectiveAt: at,
      details: { counters: [...counters] },
    }))
    for (const counterId of counters) this.changed('duty', { counterId, officerId })
    return { counterId: [...counters][0] ?? null }
  }

  dutySession(id: number): DutySession | undefined {
    return this.sql(
      'SELECT id, counter_id AS counterId, officer_id AS officerId, start_ms AS startMs, end_ms AS endMs, source FROM duty_sessions WHERE id = ?',
    ).get(id) as DutySession | undefined
  }

  dutySessions(opts: { counterId?: string; fromMs?: number; toMs?: number } = {}): DutySession[] {
    return this.sql(
      `SELECT id, counter_id AS counterId, officer_id AS officerId, start_ms AS startMs, end_ms AS endMs, source
           FROM duty_sessions
          WHERE (? IS NULL OR counter_id = ?) AND (? IS NULL OR end_ms IS NULL OR end_ms > ?) AND (? IS NULL OR start_ms < ?)
          ORDER BY start_ms`,
    ).all(
      opts.counterId ?? null,
      opts.counterId ?? null,
      opts.fromMs ?? null,
      opts.fromMs ?? null,
      opts.toMs ?? null,
      opts.toMs ?? null,
    ) as DutySession[]
  }

  // ---- shifts ----------------------------------------------------------------------------

  addShift(s: {
    counterId: string
    officerId: string
    weekday: number
    startMin: number
    endMin: number
  }): Shift {
    const counter = this.registry.requireCounter(s.counterId)
    this.registry.requireOfficer(s.officerId)
    if (!Number.isInteger(s.weekday) || s.weekday < 1 || s.weekday > 7)
      throw new RegistryError(`shift weekday must be 1 (Monday) to 7 (Sunday), got ${s.weekday}`, 'INVALID_SHIFT')
    if (!(s.startMin >= 0 && s.endMin <= 1440 && s.startMin < s.endMin))
      throw new RegistryError(
        `shift must start before it ends within one day (${s.startMin}-${s.endMin} minutes)`,
        'INVALID_SHIFT',
      )
    const { id, added } = this.registry.audited(() => {
      const existing = this.sql(
        'SELECT id FROM shifts WHERE counter_id = ? AND officer_id = ? AND weekday = ? AND start_min = ? AND end_min = ?',
      ).get(s.counterId, s.officerId, s.weekday, s.startMin, s.endMin) as { id: number } | undefined
      if (existing) return { id: existing.id, added: false }
      const info = this.sql(
        'INSERT INTO shifts (counter_id, officer_id, weekday, start_min, end_min) VALUES (?, ?, ?, ?, ?)',
      ).run(s.counterId, s.officerId, s.weekday, s.startMin, s.endMin)
      return { id: Number(info.lastInsertRowid), added: true }
    }, (r) => r.added ? shiftEntry('shift.add', { id: r.id, ...s }, counter.officeId) : null)
    if (added) this.changed('shift', { counterId: s.counterId })
    return { id, ...s }
  }

  removeShift(id: number): void {
    const shift = this.sql(
      'SELECT id, counter_id AS counterId, officer_id AS officerId, weekday, start_min AS startMin, end_min AS endMin FROM shifts WHERE id = ?',
    ).get(id) as Shift | undefined
    if (!shift) throw new NotFoundError(`no shift with id ${id}`, 'UNKNOWN_SHIFT', { id })
    const counter = this.registry.requireCounter(shift.counterId)
    this.registry.audited(
      () => this.sql('DELETE FROM shifts WHERE id = ?').run(id),
      () => shiftEntry('shift.remove', shift, counter.officeId),
    )
    this.changed('shift', { counterId: shift.counterId })
  }

  shifts(counterId?: string): Shift[] {
    return this.sql(
      `SELECT id, counter_id AS counterId, officer_id AS officerId, weekday, start_min AS startMin, end_min AS endMin
           FROM shifts WHERE ? IS NULL OR counter_id = ? ORDER BY counter_id, weekday, start_min`,
    ).all(counterId ?? null, counterId ?? null) as Shift[]
  }

  private sql(query: string): Statement {
    return sql(this.db, query)
  }
}

function shiftEntry(action: 'shift.add' | 'shift.remove', s: Shift, officeId: string): AuditOf {
  return {
    action,
    subject: `shift:${s.id}`,
    officeId,
    counterId: s.counterId,
    officerId: s.officerId,
    details: { weekday: s.weekday, from: formatHhMm(s.startMin), to: formatHhMm(s.endMin) },
  }
}
