/**
 * The office's registry in SQLite: offices, counters, officers, boxes (hashed secrets) and
 * which counter each box stands at over time; duty sessions and the weekly shift schedule live
 * in duty.ts, reached through the registry. Every change is recorded in the audit trail
 * (audit.ts) in its own transaction, as made by the registry's actor: `registry.as(actor)` is
 * the same registry acting for someone (a dashboard user, the CLI's user, the config file). Every change emits `registryChanged` so attribution caches and the boxes'
 * retained config follow. Errors name the thing that is wrong and carry their HTTP status
 * (registry-errors.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { isBoxId, isName, NAME_RULE, SLUG_PATTERN } from '../protocol/index.ts'
import type { Statement } from 'better-sqlite3'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'
import type { GatewayBus, RegistryChange } from './events.ts'
import { Duty, type DutySession, type Shift } from './duty.ts'
import { recordAudit, SYSTEM, type Actor, type AuditInput } from './audit.ts'
import { systemClock, type Clock } from './clock.ts'
import { ConflictError, NotFoundError, RegistryError } from './registry-errors.ts'

export { ConflictError, NotFoundError, RegistryError }
export type { DutySession, Shift }

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
  /** Who changes made through this registry are recorded as (audit.ts); default SYSTEM. */
  by?: Actor
}

/** An audit entry as a change describes it; who, from where and when are the registry's. */
export type AuditOf = Omit<AuditInput, 'actor' | 'source' | 'at'>

export class Registry {
  private readonly db: Db
  private readonly bus: GatewayBus
  readonly timezone: string
  readonly now: Clock
  /** Duty sessions and the shift schedule; the methods below delegate to it. */
  readonly duty: Duty
  readonly by: Actor

  constructor(deps: RegistryDeps) {
    this.db = deps.db
    this.bus = deps.bus
    this.timezone = deps.timezone
    this.now = deps.now ?? systemClock
    this.by = deps.by ?? SYSTEM
    this.duty = new Duty({ db: this.db, timezone: this.timezone, now: this.now, registry: this, changed: (kind, detail) => this.changed(kind, detail) })
  }

  /** This registry acting for `by`: its changes are recorded as theirs. */
  as(by: Actor): Registry {
    return new Registry({ db: this.db, bus: this.bus, timezone: this.timezone, now: this.now, by })
  }

  /**
   * Runs `change` and records the audit entry `entry` makes of its result (null: nothing
   * changed, no entry) in one transaction: neither is committed without the other.
   */
  audited<T>(change: () => T, entry: (result: T) => AuditOf | null): T {
    return this.db.transaction(() => {
      const result = change()
      const e = entry(result)
      if (e) recordAudit(this.db, { ...this.by, at: this.now(), ...e })
      return result
    }).immediate()
  }

  // ---- offices, counters, officers -------------------------------------------------------

  upsertOffice(id: string, name: string): void {
    checkSlug('office', id)
    checkName('office', name)
    this.save('office', id, () => this.office(id), { officeId: id, details: { name } }, () =>
      this.sql('INSERT INTO offices (id, name) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name').run(id, name),
    )
    this.changed('office')
  }

  upsertCounter(id: string, officeId: string, name: string): void {
    checkSlug('counter', id)
    checkName('counter', name)
    this.requireOffice(officeId)
    this.save('counter', id, () => this.counter(id), { officeId, counterId: id, details: { name } }, () =>
      this.sql(
        'INSERT INTO counters (id, office_id, name) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET office_id = excluded.office_id, name = excluded.name',
      ).run(id, officeId, name),
    )
    this.changed('counter', { counterId: id })
  }

  upsertOfficer(id: string, officeId: string, name: string): void {
    checkSlug('officer', id)
    checkName('officer', name)
    this.requireOffice(officeId)
    this.save('officer', id, () => this.officer(id), { officeId, officerId: id, details: { name } }, () =>
      this.sql(
        'INSERT INTO officers (id, office_id, name) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET office_id = excluded.office_id, name = excluded.name',
      ).run(id, officeId, name),
    )
    this.changed('officer', { officerId: id })
  }

  /** Writes an office, counter or officer with its audit entry, which keeps what it was before. */
  private save(kind: 'office' | 'counter' | 'officer', id: string, current: () => unknown, entry: Omit<AuditOf, 'action' | 'subject'>, write: () => void): void {
    this.audited(
      () => [current() ?? null, write()][0],
      (before) => ({ action: `${kind}.save`, subject: `${kind}:${id}`, ...entry, details: { ...entry.details, before } }),
    )
  }

  setOfficerActive(id: string, active: boolean): void {
    const officer = this.requireOfficer(id)
    this.audited(
      () => this.sql('UPDATE officers SET active = ? WHERE id = ?').run(active ? 1 : 0, id),
      () => ({ action: 'officer.active', subject: `officer:${id}`, officeId: officer.officeId, officerId: id, details: { active } }),
    )
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
    // One transaction: a box whose assignment fails is not provisioned either.
    this.db.transaction(() => {
      this.audited(
      () => {
        const before = this.sql('SELECT retired_at FROM boxes WHERE id = ?').get(id) as { retired_at: number | null } | undefined
        this.sql(
          'INSERT INTO boxes (id, secret_hash, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET secret_hash = excluded.secret_hash, retired_at = NULL',
        ).run(id, hashSecret(secret), at)
        return before
      },
      (before) => {
        const counterId = opts.counterId ?? this.counterOfBox(id, at)
        return {
          action: before ? 'box.rotate-secret' : 'box.provision',
          subject: `box:${id}`,
          officeId: counterId ? (this.counter(counterId)?.officeId ?? null) : null,
          counterId,
          effectiveAt: at,
          // Never the secret: only that it changed, and whether a retired box came back.
          details: before?.retired_at != null ? { unretired: true } : {},
        }
      },
      )
      if (opts.counterId) this.assignBox(id, opts.counterId, at)
    }).immediate()
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
    const counter = this.requireCounter(counterId)
    this.audited(() => {
      const current = this.sql(
        'SELECT id, counter_id, from_ms FROM box_assignments WHERE box_id = ? AND to_ms IS NULL ORDER BY from_ms DESC LIMIT 1',
      ).get(boxId) as { id: number; counter_id: string; from_ms: number } | undefined
      if (current?.counter_id === counterId) return null
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
      return { fromCounter: current?.counter_id ?? null }
    }, (moved) => moved && {
      action: 'box.assign',
      subject: `box:${boxId}`,
      officeId: counter.officeId,
      counterId,
      effectiveAt: at,
      details: moved,
    })
    this.changed('assignment', { boxId, counterId })
  }

  /** Retires a box: it can no longer connect; its history stays. */
  retireBox(boxId: string, at = this.now()): void {
    this.requireBox(boxId)
    const counterId = this.counterOfBox(boxId, at)
    this.audited(() => {
      this.sql('UPDATE boxes SET retired_at = ? WHERE id = ?').run(at, boxId)
      this.sql('UPDATE box_assignments SET to_ms = ? WHERE box_id = ? AND to_ms IS NULL').run(
        at,
        boxId,
      )
    }, () => ({
      action: 'box.retire',
      subject: `box:${boxId}`,
      officeId: counterId ? (this.counter(counterId)?.officeId ?? null) : null,
      counterId,
      effectiveAt: at,
    }))
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

  // ---- duty and shifts (duty.ts) -------------------------------------------------------

  signIn(...args: Parameters<Duty['signIn']>): DutySession {
    return this.duty.signIn(...args)
  }
  signOut(...args: Parameters<Duty['signOut']>): { counterId: string | null } {
    return this.duty.signOut(...args)
  }
  dutySession(id: number): DutySession | undefined {
    return this.duty.dutySession(id)
  }
  dutySessions(...args: Parameters<Duty['dutySessions']>): DutySession[] {
    return this.duty.dutySessions(...args)
  }
  addShift(...args: Parameters<Duty['addShift']>): Shift {
    return this.duty.addShift(...args)
  }
  removeShift(id: number): void {
    this.duty.removeShift(id)
  }
  shifts(counterId?: string): Shift[] {
    return this.duty.shifts(counterId)
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
