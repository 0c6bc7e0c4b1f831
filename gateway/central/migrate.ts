/**
 * Applies the central schema's pending migrations (schema.ts), each in its own transaction,
 * under an advisory lock so two operators running it at once cannot interleave; and the rule
 * by which a gateway decides whether it may write to the schema it finds.
 */
import type pg from 'pg'
import { BOOTSTRAP_SQL, CENTRAL_MIGRATIONS, type CentralMigration } from './schema.ts'

/** An arbitrary constant: the advisory lock key of "migrating the chamdiem schema". */
const LOCK_KEY = 4_180_018

export interface MigrateResult {
  from: number
  to: number
  applied: Array<{ version: number; name: string }>
}

export async function currentCentralVersion(client: pg.Client): Promise<number | null> {
  const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('chamdiem.schema_migrations')::text AS t")
  if (!rows[0].t) return null
  const v = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM chamdiem.schema_migrations')
  return v.rows[0].v ?? 0
}

/**
 * The oldest gateway version that may write at each version of `migrations`: a migration that
 * lets older writers go on keeps the oldest of the version before; one that does not starts
 * afresh at its own version.
 */
export function oldestWriters(migrations: readonly CentralMigration[]): Map<number, number> {
  const out = new Map<number, number>()
  let oldest = 0
  for (const m of migrations) {
    oldest = m.olderWritersOk && oldest > 0 ? oldest : m.version
    out.set(m.version, oldest)
  }
  return out
}

/** `migrations`: the code's (tests add versions after it to play a province ahead of a gateway). */
export async function migrateCentral(client: pg.Client, migrations: readonly CentralMigration[] = CENTRAL_MIGRATIONS): Promise<MigrateResult> {
  const latest = migrations.at(-1)!.version
  const oldest = oldestWriters(migrations)
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
  try {
    await client.query(BOOTSTRAP_SQL)
    const from = (await currentCentralVersion(client)) ?? 0
    if (from > latest) {
      throw new Error(`the central schema is at version ${from}, newer than this chamdiem (${latest}): upgrade chamdiem`)
    }
    // Versions applied before oldest_writer existed get theirs now (the rule is the code's).
    for (const m of migrations.filter((m) => m.version <= from)) {
      await client.query('UPDATE chamdiem.schema_migrations SET oldest_writer = $2 WHERE version = $1 AND oldest_writer IS NULL', [m.version, oldest.get(m.version)])
    }
    const applied: MigrateResult['applied'] = []
    for (const m of migrations.filter((m) => m.version > from)) {
      await client.query('BEGIN')
      try {
        await client.query(m.sql)
        await client.query('INSERT INTO chamdiem.schema_migrations (version, name, oldest_writer) VALUES ($1, $2, $3)', [m.version, m.name, oldest.get(m.version)])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw new Error(`central migration ${m.version} (${m.name}) failed: ${(err as Error).message}`)
      }
      applied.push({ version: m.version, name: m.name })
    }
    return { from, to: latest, applied }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {})
  }
}

/**
 * Why a gateway writing schema version `mine` may not write to the central store as it is,
 * or null when it may: the schema is at `mine`, or newer but still accepting writers of
 * `mine` (its latest version's oldest_writer, which an older gateway reads without knowing the
 * migrations after its own). Read through to_jsonb so a schema migrated before oldest_writer
 * existed reads as "not recorded" rather than failing.
 */
export async function writeRefusal(client: pg.Client, mine: number): Promise<string | null> {
  const { rows: t } = await client.query<{ t: string | null }>("SELECT to_regclass('chamdiem.schema_migrations')::text AS t")
  const { rows } = t[0].t
    ? await client.query<{ version: number; oldest_writer: number | null }>(
        "SELECT version, (to_jsonb(m) ->> 'oldest_writer')::int AS oldest_writer FROM chamdiem.schema_migrations m ORDER BY version DESC LIMIT 1",
      )
    : { rows: [] }
  const at = rows[0]
  if (!at) return 'the central schema is missing: run `chamdiem central migrate --url <owner url>`'
  if (at.version === mine) return null
  if (at.version < mine) {
    return `the central schema is at version ${at.version}, older than this gateway's ${mine}: run \`chamdiem central migrate --url <owner url>\` with this chamdiem`
  }
  if (at.oldest_writer !== null && at.oldest_writer <= mine) return null
  return (
    `the central schema is at version ${at.version}, which no longer accepts gateways of version ${mine}` +
    (at.oldest_writer !== null ? ` (it accepts versions ${at.oldest_writer} to ${at.version})` : '') +
    `: upgrade this gateway to chamdiem with central schema ${at.version}`
  )
}
