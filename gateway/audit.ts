/**
 * The audit trail: every change that decides who gets credit for a press (duty sign-in/out,
 * box provision/move/retire/secret, shift edits, registry changes and imports, dashboard users
 * and roles, alert acknowledgements) is recorded with who, when, what and from where, in the
 * same transaction as the change itself, so a change without its entry (or an entry without
 * its change) cannot be committed.
 *
 * The entries form a hash chain: each stores `prev_hash` (the previous entry's hash; GENESIS
 * for the first) and `hash = sha256(prev_hash + canonical JSON of the entry)`. `verifyAudit`
 * walks the chain: an edited entry no longer matches its hash; a rewritten one (hash
 * recomputed) breaks the next entry's link; a deleted one leaves a gap in the ids (ids come
 * from AUTOINCREMENT, which never reuses an id and rolls back with a failed change), and a
 * deleted last entry leaves sqlite_sequence ahead of the last id. Triggers refuse UPDATE and
 * DELETE so no code path edits history by mistake; the chain is what detects someone who
 * drops the triggers. Whoever can rewrite the whole database file can rewrite the whole
 * chain: `audit verify` prints the head hash so it can be kept outside (with a report).
 */
import { createHash } from 'node:crypto'
import { hostname, userInfo } from 'node:os'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'

/** Who made a change and from where: an IP address, `cli:user@host`, or `config-file`. */
export interface Actor {
  actor: string
  source: string
}

/** Changes made by the gateway itself (first start, tests, the demo). */
export const SYSTEM: Actor = { actor: 'system', source: 'gateway' }
/** Changes applied from the config file's `registry` section at start. */
export const CONFIG_FILE: Actor = { actor: 'config-file', source: 'config-file' }

/** The person running a `chamdiem` command on this host. */
export function cliActor(): Actor {
  let user = process.env.SUDO_USER || process.env.USER || 'unknown'
  try {
    user = process.env.SUDO_USER || userInfo().username
  } catch {
    // no passwd entry for this uid (a container): keep $USER
  }
  return { actor: user, source: `cli:${user}@${hostname()}` }
}

export const AUDIT_ACTIONS = [
  'duty.sign-in',
  'duty.sign-out',
  'shift.add',
  'shift.remove',
  'box.provision',
  'box.rotate-secret',
  'box.assign',
  'box.retire',
  'office.save',
  'counter.save',
  'officer.save',
  'officer.active',
  'registry.import',
  'user.create',
  'user.update',
  'user.remove',
  'alert.acknowledged',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export interface AuditInput extends Actor {
  action: AuditAction
  /** What was changed, as `kind:id` (`box:box-1`, `officer:an`, `user:head`, `alert:17`). */
  subject: string
  /** The office, counter and officer the change concerns (filters; null when none). */
  officeId?: string | null
  counterId?: string | null
  officerId?: string | null
  /** When the change takes effect, if not when it was made (a sign-in dated `--at`). */
  effectiveAt?: number | null
  /** Anything else worth keeping (never a secret or a password). */
  details?: Record<string, unknown>
  /** When the change was made (the gateway's clock). */
  at: number
}

export interface AuditEntry {
  id: number
  at: number
  actor: string
  source: string
  action: string
  subject: string
  officeId: string | null
  counterId: string | null
  officerId: string | null
  effectiveAt: number | null
  details: string
  prevHash: string
  hash: string
}

export const GENESIS = '0'.repeat(64)

const COLUMNS = `id, at, actor, source, action, subject, office_id AS officeId, counter_id AS counterId,
  officer_id AS officerId, effective_at AS effectiveAt, details, prev_hash AS prevHash, hash`

/** JSON with object keys sorted at every level: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
}

/** The hash of an entry: every stored column but the hash itself, chained to `prevHash`. */
export function entryHash(e: Omit<AuditEntry, 'hash'> & { hash?: string }): string {
  const { prevHash, hash: _stored, ...content } = e
  return createHash('sha256').update(prevHash).update(canonicalJson(content)).digest('hex')
}

/**
 * Appends an entry. Call it inside the transaction of the change it records (it then runs as
 * a savepoint of it): if the change fails, the entry is rolled back with it. On its own it
 * takes the write lock first (IMMEDIATE), so two processes never chain to the same entry.
 */
export function recordAudit(db: Db, input: AuditInput): AuditEntry {
  return db.transaction(() => {
    const last = sql(db, 'SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1', { pluck: true }).get() as string | undefined
    const id = (sql(db, "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'", { pluck: true }).get() as number | undefined ?? 0) + 1
    const entry: Omit<AuditEntry, 'hash'> = {
      id,
      at: input.at,
      actor: input.actor,
      source: input.source,
      action: input.action,
      subject: input.subject,
      officeId: input.officeId ?? null,
      counterId: input.counterId ?? null,
      officerId: input.officerId ?? null,
      effectiveAt: input.effectiveAt ?? null,
      details: canonicalJson(input.details ?? {}),
      prevHash: last ?? GENESIS,
    }
    const hash = entryHash(entry)
    sql(
      db,
      `INSERT INTO audit_log (id, at, actor, source, action, subject, office_id, counter_id, officer_id, effective_at, details, prev_hash, hash)
       VALUES (@id, @at, @actor, @source, @action, @subject, @officeId, @counterId, @officerId, @effectiveAt, @details, @prevHash, @hash)`,
    ).run({ ...entry, hash })
    return { ...entry, hash }
  }).immediate()
}

export interface AuditFilter {
  fromMs?: number
  toMs?: number
  officeId?: string | null
  counterId?: string
  officerId?: string
  limit?: number
}

/**
 * Entries made in [fromMs, toMs) or taking effect then (a sign-in recorded later but dated
 * into the period changes that period's figures), oldest first. A counter filter also finds a
 * box moved away from that counter.
 */
export function auditEntries(db: Db, f: AuditFilter = {}): AuditEntry[] {
  const from = f.fromMs ?? null
  const to = f.toMs ?? null
  return sql(
    db,
    `SELECT ${COLUMNS} FROM audit_log
      WHERE ((@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to)
             OR effective_at IS NOT NULL AND (@from IS NULL OR effective_at >= @from) AND (@to IS NULL OR effective_at < @to))
        AND (@office IS NULL OR office_id = @office)
        AND (@counter IS NULL OR counter_id = @counter OR json_extract(details, '$.fromCounter') = @counter)
        AND (@officer IS NULL OR officer_id = @officer)
      ORDER BY id LIMIT @limit`,
  ).all({ from, to, office: f.officeId ?? null, counter: f.counterId ?? null, officer: f.officerId ?? null, limit: f.limit ?? -1 }) as AuditEntry[]
}

export type VerifyResult =
  | { ok: true; count: number; head: string }
  | { ok: false; count: number; entry: { id: number; at: number | null; action: string | null }; problem: string }

/**
 * The newest entry and its hash: printed with a report, it anchors the report to the history
 * behind it, so a later rewrite of the whole chain (which `verifyAudit` alone cannot see)
 * shows as a different hash at that entry (`audit verify --against N:HASH`).
 */
export function auditHead(db: Db): { entry: number; hash: string } {
  const last = sql(db, 'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined
  return last ? { entry: last.id, hash: last.hash } : { entry: 0, hash: GENESIS }
}

/** The stored hash of entry `id` (GENESIS for 0), or null when there is no such entry. */
export function auditHashAt(db: Db, id: number): string | null {
  if (id === 0) return GENESIS
  return (sql(db, 'SELECT hash FROM audit_log WHERE id = ?', { pluck: true }).get(id) as string | undefined) ?? null
}

/** Walks the whole chain; stops at the first entry that is wrong and says what is wrong. */
export function verifyAudit(db: Db): VerifyResult {
  let prev: AuditEntry | null = null
  let count = 0
  const bad = (e: AuditEntry, problem: string): VerifyResult => ({ ok: false, count, entry: { id: e.id, at: e.at, action: e.action }, problem })
  for (const e of sql(db, `SELECT ${COLUMNS} FROM audit_log ORDER BY id`).iterate() as Iterable<AuditEntry>) {
    const expectedId = (prev?.id ?? 0) + 1
    if (e.id !== expectedId) {
      const gap = e.id - 1 === expectedId ? `entry ${expectedId} is` : `entries ${expectedId}-${e.id - 1} are`
      return bad(e, `${gap} missing before it (deleted)`)
    }
    if (e.prevHash !== (prev?.hash ?? GENESIS)) {
      return bad(e, prev ? `does not chain to entry ${prev.id}: entry ${prev.id} was rewritten` : 'does not start the chain')
    }
    if (entryHash(e) !== e.hash) return bad(e, 'its content does not match its hash (the entry was changed)')
    prev = e
    count++
  }
  const seq = (sql(db, "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'", { pluck: true }).get() as number | undefined) ?? 0
  if (seq > (prev?.id ?? 0)) {
    const missing = seq === (prev?.id ?? 0) + 1 ? `entry ${seq} is` : `entries ${(prev?.id ?? 0) + 1}-${seq} are`
    return { ok: false, count, entry: { id: seq, at: null, action: null }, problem: `${missing} missing at the end (deleted)` }
  }
  return { ok: true, count, head: prev?.hash ?? GENESIS }
}
