/**
 * Imports the config file's `registry` section at every start. The file seeds the system; it
 * never silently undoes what was changed since in the dashboard or CLI (DESIGN.md, "Security
 * and trust"). Per entry (office, counter, officer, box, shift) the store keeps a hash of the
 * entry as last applied (table `registry_file_applied`), and at start:
 *
 *  - an entry applied before and unchanged in the file does not touch the database, so a
 *    retirement, a rotated secret, a move or a rename made since survives any number of
 *    restarts;
 *  - an entry whose text changed in the file is applied (the operator edited the file on
 *    purpose): a box's counter and its secret are separate entries, so editing one does not
 *    re-apply the other (a new counter in the file does not revert a rotated secret);
 *  - a new entry is created; if the thing already exists (made in the dashboard, or a database
 *    from before this table) it is adopted as it is and only its hash recorded;
 *  - a retired box is never brought back by the file: a changed entry of a retired box is not
 *    applied and a warning names the box and the command that does it
 *    (`chamdiem box provision <id>`), every start until resolved;
 *  - a shift entry is identified by its content: a new or edited shift entry is added, one
 *    applied before is not added again (a shift removed in the dashboard stays removed), and
 *    nothing is ever deleted by the file (remove the old shift in the dashboard).
 *
 * Every change the file makes is in the audit trail as made by `config-file` (audit.ts), and
 * an import that changed anything ends with one `registry.import` entry counting them.
 */
import { createHash } from 'node:crypto'
import type { RegistryConfig } from './config-schema.ts'
import { parseHhMm } from './local-time.ts'
import { RegistryError, type Registry } from './registry.ts'
import { CONFIG_FILE, recordAudit } from './audit.ts'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'

export interface ImportResult {
  /** Boxes created without a secret in the file: their random secret, to print once. */
  newSecrets: Array<{ boxId: string; secret: string }>
  /** File entries deliberately not applied (a retired box), for the log. */
  warnings: string[]
}

type Kind = 'office' | 'counter' | 'officer' | 'box' | 'box.secret' | 'shift'

/** The `registry_file_applied` table. */
class AppliedEntries {
  private readonly getSql
  private readonly putSql
  private readonly deleteSql

  constructor(db: Db, private readonly at: number) {
    this.getSql = sql(db, 'SELECT hash FROM registry_file_applied WHERE kind = ? AND key = ?', { pluck: true })
    this.putSql = sql(
      db,
      'INSERT INTO registry_file_applied (kind, key, hash, applied_at) VALUES (?, ?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET hash = excluded.hash, applied_at = excluded.applied_at',
    )
    this.deleteSql = sql(db, 'DELETE FROM registry_file_applied WHERE kind = ? AND key = ?')
  }

  /** 'new' (never applied), 'changed' (applied, the file's entry differs now) or 'same'. */
  state(kind: Kind, key: string, hash: string): 'new' | 'changed' | 'same' {
    const last = this.getSql.get(kind, key) as string | undefined
    return last === undefined ? 'new' : last === hash ? 'same' : 'changed'
  }

  record(kind: Kind, key: string, hash: string): void {
    this.putSql.run(kind, key, hash, this.at)
  }

  forget(kind: Kind, key: string): void {
    this.deleteSql.run(kind, key)
  }
}

const entryHash = (entry: unknown) => createHash('sha256').update(JSON.stringify(entry)).digest('hex')

/** `at` dates new boxes and assignments; by default the registry's clock (the gateway's). */
export function importRegistry(gatewayRegistry: Registry, db: Db, section: RegistryConfig, at = gatewayRegistry.now()): ImportResult {
  const registry = gatewayRegistry.as(CONFIG_FILE)
  const auditedBefore = auditCount(db)
  const problems: string[] = []
  const attempt = (path: string, fn: () => void) => {
    try {
      fn()
    } catch (err) {
      if (err instanceof RegistryError) problems.push(`/registry/${path}: ${err.message}`)
      else throw err
    }
  }
  const applied = new AppliedEntries(db, at)
  /** Runs `apply` when the entry is new or changed (`exists`: adopt a new entry as it is). */
  const entry = (kind: Kind, key: string, content: unknown, exists: () => boolean, apply: () => void) => {
    const hash = entryHash(content)
    const state = applied.state(kind, key, hash)
    if (state === 'same') return
    if (state === 'changed' || !exists()) apply()
    applied.record(kind, key, hash)
  }
  const retiredSql = sql(db, 'SELECT retired_at FROM boxes WHERE id = ?', { pluck: true })
  const isRetired = (boxId: string) => retiredSql.get(boxId) != null
  const result: ImportResult = { newSecrets: [], warnings: [] }

  section.offices.forEach((o, i) =>
    attempt(`offices/${i}`, () => entry('office', o.id, { name: o.name }, () => !!registry.office(o.id), () => registry.upsertOffice(o.id, o.name))),
  )
  section.counters.forEach((c, i) =>
    attempt(`counters/${i}`, () =>
      entry('counter', c.id, { office: c.office, name: c.name }, () => !!registry.counter(c.id), () => registry.upsertCounter(c.id, c.office, c.name)),
    ),
  )
  section.officers.forEach((o, i) =>
    attempt(`officers/${i}`, () =>
      entry('officer', o.id, { office: o.office, name: o.name }, () => !!registry.officer(o.id), () => registry.upsertOfficer(o.id, o.office, o.name)),
    ),
  )
  section.boxes.forEach((b, i) =>
    attempt(`boxes/${i}`, () => {
      if (!registry.boxExists(b.id)) {
        const secret = registry.provisionBox(b.id, { secret: b.secret, at })
        if (!b.secret) result.newSecrets.push({ boxId: b.id, secret })
      }
      const retiredWarning = (what: string) =>
        result.warnings.push(
          `box ${b.id} is retired: the file's changed ${what} is not applied; to bring the box back run "chamdiem box provision ${b.id}" (a new secret), then restart`,
        )
      if (b.secret) {
        const hash = entryHash({ secret: b.secret })
        if (applied.state('box.secret', b.id, hash) === 'changed') {
          if (isRetired(b.id)) retiredWarning('secret')
          else {
            registry.provisionBox(b.id, { secret: b.secret, at })
            applied.record('box.secret', b.id, hash)
          }
        } else applied.record('box.secret', b.id, hash)
      } else {
        // Without a secret in the file, the box keeps whatever it has; one added later is new.
        applied.forget('box.secret', b.id)
      }
      const hash = entryHash({ counter: b.counter ?? null })
      const state = applied.state('box', b.id, hash)
      if (state === 'same') return
      const newBox = state === 'new' && registry.counterOfBox(b.id, at) === null && !isRetired(b.id)
      if (state === 'changed' && isRetired(b.id)) return retiredWarning('counter')
      if ((state === 'changed' || newBox) && b.counter && registry.counterOfBox(b.id, at) !== b.counter) registry.assignBox(b.id, b.counter, at)
      applied.record('box', b.id, hash)
    }),
  )
  section.shifts.forEach((s, i) =>
    attempt(`shifts/${i}`, () => {
      const startMin = parseHhMm(s.from)
      const endMin = parseHhMm(s.to)
      if (endMin <= startMin) throw new RegistryError(`"to" (${s.to}) must be after "from" (${s.from})`)
      const days = [...new Set(s.days)].sort()
      const key = `${s.counter}|${s.officer}|${days.join(',')}|${s.from}-${s.to}`
      entry('shift', key, key, () => false, () => {
        for (const weekday of days) registry.addShift({ counterId: s.counter, officerId: s.officer, weekday, startMin, endMin })
      })
    }),
  )
  const changes = auditCount(db) - auditedBefore
  if (changes > 0) {
    recordAudit(db, {
      ...CONFIG_FILE,
      action: 'registry.import',
      subject: 'registry:config-file',
      at: registry.now(),
      effectiveAt: at,
      details: { changes, newBoxes: result.newSecrets.map((s) => s.boxId), problems },
    })
  }
  if (problems.length > 0) throw new RegistryImportError(problems)
  return result
}

export class RegistryImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`registry import failed:\n${problems.map((p) => `  ${p}`).join('\n')}`)
  }
}

const auditCount = (db: Db) => sql(db, 'SELECT coalesce(max(id), 0) FROM audit_log', { pluck: true }).get() as number
