/**
 * The office's registry in SQLite: offices, counters, officers, boxes (hashed secrets), which
 * counter each box stands at over time, duty sessions (sign-in / sign-out) and the weekly
 * shift schedule. Every change emits `registryChanged` so attribution caches and the boxes'
 * retained config follow. Errors name the thing that is wrong and carry their HTTP status
 * (registry-errors.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { isBoxId, isName, NAME_RULE, SLUG_PATTERN } from '../protocol/index.ts'
import type { Statement } from 'better-sqlite3'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import type { GatewayBus, RegistryChange } from './events.ts'
import { localTime } from './local-time.ts'
import { systemClock, type Clock } from './clock.ts'
import { ConflictError, NotFoundError, RegistryError } from './registry-errors.ts'

export { ConflictError, NotFoundError, RegistryError }

export interface Office {
  id: string
  name: string
}
export interface Counter {
  id: string
  officeId: string
  name: string
}
export interface Officer {
  id: string
  officeId: string
  name: string
  active: boolean
}
export interface BoxInfo {
  id: string
  counterId: string | null
  createdAt: number
  retiredAt: number | null
  lastSeenAt: number | null
  lastState: string | null
  lastPressAt: number | null
}
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

interface OfficerRow {
  id: string
  officeId: string
  name: string
  active: number
}

const SLUG = new RegExp(SLUG_PATTERN)

/** Box secrets are 24 random bytes: high entropy, so sha256 is enough (no slow KDF needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

export function newSecret(): string {
  return randomBytes(24).toString('base64url')
}

export interface RegistryDeps {
  db: Db
  bus: GatewayBus
  timezone: string
  /** Dates every change made without an explicit time: the gateway's clock (clock.ts). */
  now?: Clock
}

export class Registry {
  private readonly db: Db
  private readonly bus: GatewayBus
  readonly timezone: string
  readonly now: Clock

  constructor(deps: RegistryDeps) {
    this.db = deps.db
    this.bus = deps.bus
    this.timezone = deps.timezone
    this.now = deps.now ?? systemClock
  }

  // ---- offices, counters, officers -------------------------------------------------------

  upsertOffice(id: string, name: string): void {
    checkSlug('office', id)
    checkName('office', name)
    this.sql(
      'INSERT INTO offices (id, name) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name',
    ).run(id, name)
    this.changed('office')
  }

  upsertCounter(id: string, officeId: string, name: string): void {
    checkSlug('counter', id)
    checkName('counter', name)
    this.requireOffice(officeId)
    this.sql(
      'INSERT INTO counters (id, office_id, name) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET office_id = excluded.office_id, name = excluded.name',
    ).run(id, officeId, name)
    this.changed('counter', { counterId: id })
  }

  upsertOfficer(id: string, officeId: string, name: string): void {
    checkSlug('officer', id)
    checkName('officer', name)
    this.requireOffice(officeId)
    this.sql(
      'INSERT INTO officers (id, office_id, name) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET office_id = excluded.office_id, name = excluded.name',
    ).run(id, officeId, name)
    this.changed('officer', { officerId: id })
  }

  setOfficerActive(id: string, active: boolean): void {
    this.requireOfficer(id)
    this.sql('UPDATE officers SET active = ? WHERE id = ?').run(active ? 1 : 0, id)
    this.changed('officer', { officerId: id })
  }

  offices(): Office[] {
    return this.sql('SELECT id, name FROM offices ORDER BY id').all() as Office[]
  }

  counters(officeId?: string): Counter[] {
    const rows = this.sql(
      'SELECT id, office_id AS officeId, name FROM counters WHERE ? IS NULL OR office_id = ? ORDER BY id',
    ).all(officeId ?? null, officeId ?? null)
    return rows as Counter[]
  }

  officers(officeId?: string): Officer[] {
    const rows = this.sql(
      'SELECT id, office_id AS officeId, name, active FROM officers WHERE ? IS NULL OR office_id = ? ORDER BY id',
    ).all(officeId ?? null, officeId ?? null) as OfficerRow[]
    return rows.map((r) => ({ ...r, active: r.active === 1 }))
  }

  office(id: string): Office | undefined {
    return this.sql('SELECT id, name FROM offices WHERE id = ?').get(id) as Office | undefined
  }

  counter(id: string): Counter | undefined {
    return this.sql('SELECT id, office_id AS officeId, name FROM counters WHERE id = ?').get(id) as
      Counter | undefined
  }

  officer(id: string): Officer | undefined {
    const r = this.sql(
      'SELECT id, office_id AS officeId, name, active FROM officers WHERE id = ?',
    ).get(id) as OfficerRow | undefined
    return r ? { ...r, active: r.active === 1 } : undefined
  }

  // ---- boxes -----------------------------------------------------------------------------

  /**
   * Creates a box, or gives an existing one a new secret. Returns the secret in clear: the only
   * time it is ever available (only its hash is stored).
   */
  provisionBox(
    id: string,
    opts: { secret?: string; counterId?: string; at?: number } = {},
  ): string {
    if (!isBoxId(id))
      throw new RegistryError(
        `invalid box id ${JSON.stringify(id)}: use 1-64 letters, digits, _ or -`,
        'INVALID_ID',
        { id },
      )
    const secret = opts.secret ?? newSecret()
    if (secret.length < 16)
      throw new RegistryError(`box ${id}: the secret must be at least 16 characters`, 'SECRET_TOO_SHORT', { box: id })
    const at = opts.at ?? this.now()
    this.sql(
      'INSERT INTO boxes (id, secret_hash, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET secret_hash = excluded.secret_hash, retired_at = NULL',
    ).run(id, hashSecret(secret), at)
    if (opts.counterId) this.assignBox(id, opts.counterId, at)
    this.changed('box', { boxId: id })
    return secret
  }

  /** True when the box exists, is not retired and the secret matches its hash. */
  verifyBox(id: string, secret: string): boolean {
    const row = this.sql('SELECT secret_hash, retired_at FROM boxes WHERE id = ?').get(id) as
      { secret_hash: string; retired_at: number | null } | undefined
    const given = Buffer.from(hashSecret(secret), 'hex')
    const stored = Buffer.from(row?.secret_hash ?? '0'.repeat(64), 'hex')
    // Compare even for unknown boxes, so timing does not tell which box ids exist.
    const match = timingSafeEqual(given, stored)
    return !!row && row.retired_at === null && match
  }

  boxExists(id: string): boolean {
    return !!this.sql('SELECT 1 FROM boxes WHERE id = ?').get(id)
  }

  /** Moves a box to a counter from `at` on (its presses before stay with the old counter). */
  assignBox(boxId: string, counterId: string, at = this.now()): void {
    this.requireBox(boxId)
    this.requireCounter(counterId)
    this.db.transaction(() => {
      const current = this.sql(
        'SELECT id, counter_id, from_ms FROM box_assignments WHERE box_id = ? AND to_ms IS NULL ORDER BY from_ms DESC LIMIT 1',
      ).get(boxId) as { id: number; counter_id: string; from_ms: number } | undefined
      if (current?.counter_id === counterId) return
      if (current && current.from_ms > at) {
        throw new RegistryError(
          `box ${boxId}: already moved to ${current.counter_id} after the requested time`,
          'BOX_MOVED_LATER',
          { box: boxId, counter: current.counter_id },
        )
      }
      if (current) this.sql('UPDATE box_assignments SET to_ms = ? WHERE id = ?').run(at, current.id)
      this.sql('INSERT INTO box_assignments (box_id, counter_id, from_ms) VALUES (?, ?, ?)').run(
        boxId,
        counterId,
        at,
      )
    })()
    this.changed('assignment', { boxId, counterId })
  }

  /** Retires a box: it can no longer connect; its history stays. */
  retireBox(boxId: string, at = this.now()): void {
    this.requireBox(boxId)
    this.db.transaction(() => {
      this.sql('UPDATE boxes SET retired_at = ? WHERE id = ?').run(at, boxId)
      this.sql('UPDATE box_assignments SET to_ms = ? WHERE box_id = ? AND to_ms IS NULL').run(
        at,
        boxId,
      )
    })()
    this.changed('box', { boxId })
  }

  boxes(officeId?: string): BoxInfo[] {
    const rows = this.sql(
      `SELECT b.id, a.counter_id AS counterId, b.created_at AS createdAt, b.retired_at AS retiredAt,
                b.last_seen_at AS lastSeenAt, b.last_state AS lastState, b.last_press_at AS lastPressAt
           FROM boxes b
           LEFT JOIN box_assignments a ON a.box_id = b.id AND a.to_ms IS NULL
           LEFT JOIN counters c ON c.id = a.counter_id
          WHERE ? IS NULL OR c.office_id = ?
          ORDER BY b.id`,
    ).all(officeId ?? null, officeId ?? null)
    return rows as BoxInfo[]
  }

  /** The counter a box stood at, at time `at`. */
  counterOfBox(boxId: string, at: number): string | null {
    const row = this.sql(
      'SELECT counter_id FROM box_assignments WHERE box_id = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?) ORDER BY from_ms DESC LIMIT 1',
    ).get(boxId, at, at) as { counter_id: string } | undefined
    return row?.counter_id ?? null
  }

  /** The office a box stands in now (routes its status to that office's dashboards). */
  officeOfBox(boxId: string): string | null {
    const row = this.sql(
      'SELECT c.office_id FROM box_assignments a JOIN counters c ON c.id = a.counter_id WHERE a.box_id = ? AND a.to_ms IS NULL',
    ).get(boxId) as { office_id: string } | undefined
    return row?.office_id ?? null
  }

  // ---- duty ------------------------------------------------------------------------------

  /**
   * Signs an officer in at a counter from `at`. An officer is at one counter at a time and a
   * counter has one officer: any open session of either is closed at `at`. An explicit
   * sign-in wins over the shift schedule (attribution.ts).
   */
  signIn(officerId: string, counterId: string, at = this.now(), source = 'api'): DutySession {
    this.requireOfficer(officerId)
    const counter = this.requireCounter(counterId)
    const officer = this.officer(officerId)!
    if (officer.officeId !== counter.officeId) {
      throw new RegistryError(
        `officer ${officerId} belongs to office ${officer.officeId}, counter ${counterId} to ${counter.officeId}`,
        'OFFICER_OTHER_OFFICE',
        { officer: officerId, counter: counterId },
      )
    }
    const id = this.db.transaction(() => {
      this.sql(
        'UPDATE duty_sessions SET end_ms = ? WHERE end_ms IS NULL AND (officer_id = ? OR counter_id = ?) AND start_ms <= ?',
      ).run(at, officerId, counterId, at)
      return Number(
        this.sql(
          'INSERT INTO duty_sessions (counter_id, officer_id, start_ms, source) VALUES (?, ?, ?, ?)',
        ).run(counterId, officerId, at, source).lastInsertRowid,
      )
    })()
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
    this.requireOfficer(officerId)
    const counters = new Set<string>()
    this.db.transaction(() => {
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
    })()
    if (counters.size === 0) throw new ConflictError(`officer ${officerId} is not on duty`, 'NOT_ON_DUTY', { officer: officerId })
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
    this.requireCounter(s.counterId)
    this.requireOfficer(s.officerId)
    if (!Number.isInteger(s.weekday) || s.weekday < 1 || s.weekday > 7)
      throw new RegistryError(`shift weekday must be 1 (Monday) to 7 (Sunday), got ${s.weekday}`, 'INVALID_SHIFT')
    if (!(s.startMin >= 0 && s.endMin <= 1440 && s.startMin < s.endMin))
      throw new RegistryError(
        `shift must start before it ends within one day (${s.startMin}-${s.endMin} minutes)`,
        'INVALID_SHIFT',
      )
    const existing = this.sql(
      'SELECT id FROM shifts WHERE counter_id = ? AND officer_id = ? AND weekday = ? AND start_min = ? AND end_min = ?',
    ).get(s.counterId, s.officerId, s.weekday, s.startMin, s.endMin) as { id: number } | undefined
    const id =
      existing?.id ??
      Number(
        this.sql(
          'INSERT INTO shifts (counter_id, officer_id, weekday, start_min, end_min) VALUES (?, ?, ?, ?, ?)',
        ).run(s.counterId, s.officerId, s.weekday, s.startMin, s.endMin).lastInsertRowid,
      )
    if (!existing) this.changed('shift', { counterId: s.counterId })
    return { id, ...s }
  }

  removeShift(id: number): void {
    const row = this.sql('SELECT counter_id FROM shifts WHERE id = ?').get(id) as
      { counter_id: string } | undefined
    if (!row) throw new NotFoundError(`no shift with id ${id}`, 'UNKNOWN_SHIFT', { id })
    this.sql('DELETE FROM shifts WHERE id = ?').run(id)
    this.changed('shift', { counterId: row.counter_id })
  }

  shifts(counterId?: string): Shift[] {
    return this.sql(
      `SELECT id, counter_id AS counterId, officer_id AS officerId, weekday, start_min AS startMin, end_min AS endMin
           FROM shifts WHERE ? IS NULL OR counter_id = ? ORDER BY counter_id, weekday, start_min`,
    ).all(counterId ?? null, counterId ?? null) as Shift[]
  }

  // ---- helpers ---------------------------------------------------------------------------

  requireOffice(id: string): Office {
    const o = this.office(id)
    if (!o) throw new NotFoundError(`unknown office ${JSON.stringify(id)}`, 'UNKNOWN_OFFICE', { id })
    return o
  }

  requireCounter(id: string): Counter {
    const c = this.counter(id)
    if (!c) throw new NotFoundError(`unknown counter ${JSON.stringify(id)}`, 'UNKNOWN_COUNTER', { id })
    return c
  }

  requireOfficer(id: string): Officer {
    const o = this.officer(id)
    if (!o) throw new NotFoundError(`unknown officer ${JSON.stringify(id)}`, 'UNKNOWN_OFFICER', { id })
    return o
  }

  requireBox(id: string): void {
    if (!this.boxExists(id)) throw new NotFoundError(`unknown box ${JSON.stringify(id)}`, 'UNKNOWN_BOX', { id })
  }

  /** This registry's database, through the one statement cache (store/statements.ts). */
  private sql(query: string): Statement {
    return sql(this.db, query)
  }

  private changed(kind: string, detail: Omit<RegistryChange, 'kind'> = {}): void {
    this.bus.emit('registryChanged', { kind, ...detail })
  }
}

function checkName(what: string, name: string): void {
  if (!isName(name)) throw new RegistryError(`invalid ${what} name ${JSON.stringify(name)}: use ${NAME_RULE}`, 'INVALID_NAME', { name })
}

function checkSlug(what: string, id: string): void {
  if (!SLUG.test(id))
    throw new RegistryError(
      `invalid ${what} id ${JSON.stringify(id)}: use 1-64 letters, digits, _ . or -`,
      'INVALID_ID',
      { id },
    )
}
