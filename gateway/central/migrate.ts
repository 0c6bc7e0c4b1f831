/**
 * Applies the central schema's pending migrations (schema.ts), each in its own transaction,
 * under an advisory lock so two operators running it at once cannot interleave.
 */
import type pg from 'pg'
import { BOOTSTRAP_SQL, CENTRAL_MIGRATIONS, CENTRAL_SCHEMA_VERSION } from './schema.ts'

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

export async function migrateCentral(client: pg.Client): Promise<MigrateResult> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
  try {
    await client.query(BOOTSTRAP_SQL)
    const from = (await currentCentralVersion(client)) ?? 0
    if (from > CENTRAL_SCHEMA_VERSION) {
      throw new Error(`the central schema is at version ${from}, newer than this chamdiem (${CENTRAL_SCHEMA_VERSION}): upgrade chamdiem`)
    }
    const applied: MigrateResult['applied'] = []
    for (const m of CENTRAL_MIGRATIONS.filter((m) => m.version > from)) {
      await client.query('BEGIN')
      try {
        await client.query(m.sql)
        await client.query('INSERT INTO chamdiem.schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw new Error(`central migration ${m.version} (${m.name}) failed: ${(err as Error).message}`)
      }
      applied.push({ version: m.version, name: m.name })
    }
    return { from, to: CENTRAL_SCHEMA_VERSION, applied }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {})
  }
}
