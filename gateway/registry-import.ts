/**
 * Imports the config file's `registry` section at every start, idempotently: entries are
 * created or updated, never deleted, so running the same file twice changes nothing and the
 * dashboard's own edits to other entries survive.
 */
import type { RegistryConfig } from './config-schema.ts'
import { parseHhMm } from './local-time.ts'
import { RegistryError, type Registry } from './registry.ts'

export interface ImportResult {
  /** Boxes created without a secret in the file: their random secret, to print once. */
  newSecrets: Array<{ boxId: string; secret: string }>
}

/** `at` dates new boxes and assignments; by default the registry's clock (the gateway's). */
export function importRegistry(registry: Registry, section: RegistryConfig, at = registry.now()): ImportResult {
  const problems: string[] = []
  const attempt = (path: string, fn: () => void) => {
    try {
      fn()
    } catch (err) {
      if (err instanceof RegistryError) problems.push(`/registry/${path}: ${err.message}`)
      else throw err
    }
  }
  const newSecrets: ImportResult['newSecrets'] = []
  section.offices.forEach((o, i) => attempt(`offices/${i}`, () => changedOnly(registry.office(o.id), o, () => registry.upsertOffice(o.id, o.name))))
  section.counters.forEach((c, i) =>
    attempt(`counters/${i}`, () => {
      const cur = registry.counter(c.id)
      if (!cur || cur.name !== c.name || cur.officeId !== c.office) registry.upsertCounter(c.id, c.office, c.name)
    }),
  )
  section.officers.forEach((o, i) =>
    attempt(`officers/${i}`, () => {
      const cur = registry.officer(o.id)
      if (!cur || cur.name !== o.name || cur.officeId !== o.office) registry.upsertOfficer(o.id, o.office, o.name)
    }),
  )
  section.boxes.forEach((b, i) =>
    attempt(`boxes/${i}`, () => {
      const exists = registry.boxExists(b.id)
      if (!exists || (b.secret && !registry.verifyBox(b.id, b.secret))) {
        const secret = registry.provisionBox(b.id, { secret: b.secret, at })
        if (!b.secret) newSecrets.push({ boxId: b.id, secret })
      }
      if (b.counter && registry.counterOfBox(b.id, at) !== b.counter) registry.assignBox(b.id, b.counter, at)
    }),
  )
  section.shifts.forEach((s, i) =>
    attempt(`shifts/${i}`, () => {
      const startMin = parseHhMm(s.from)
      const endMin = parseHhMm(s.to)
      if (endMin <= startMin) throw new RegistryError(`"to" (${s.to}) must be after "from" (${s.from})`)
      for (const weekday of s.days) registry.addShift({ counterId: s.counter, officerId: s.officer, weekday, startMin, endMin })
    }),
  )
  if (problems.length > 0) throw new RegistryImportError(problems)
  return { newSecrets }
}

export class RegistryImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`registry import failed:\n${problems.map((p) => `  ${p}`).join('\n')}`)
  }
}

function changedOnly<T extends { name: string }>(current: T | undefined, wanted: { name: string }, write: () => void): void {
  if (!current || current.name !== wanted.name) write()
}
