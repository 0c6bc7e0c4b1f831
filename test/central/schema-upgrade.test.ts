/**
 * Upgrading a province's central store against a real PostgreSQL 15:
 * - the migration that makes the roll-ups count all five levels fills them from the presses a
 *   store already holds (five-level presses forwarded under the version before);
 * - a province migrates first and upgrades its centres one by one: a gateway one version
 *   behind keeps forwarding after an additive migration, and stops with the reason (both
 *   versions, what to do) after a breaking one, keeping its backlog for its upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import pino from 'pino'
import { pressTopic } from '../../protocol/index.ts'
import { CENTRAL_MIGRATIONS, CENTRAL_SCHEMA_VERSION, type CentralMigration } from '../../gateway/central/schema.ts'
import { ROLLUPS_ALL_LEVELS_SQL } from '../../gateway/central/rollups.ts'
import { migrateCentral } from '../../gateway/central/migrate.ts'
import { CentralForwarder } from '../../gateway/central/forwarder.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { startPostgres, type PostgresServer } from '../helpers/servers/postgres.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { SECRET } from '../helpers/office.ts'
import { rollupMismatches, startCentralDb, type CentralDb } from './central-db.ts'
import { CENTRE_REGISTRY, INGEST, centralSection } from './centre-gateway.ts'

const TZ = 'Asia/Ho_Chi_Minh'

async function owner<T>(server: PostgresServer, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: server.url() })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('the migration to roll-ups of all five levels', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  }, 60_000)

  it('fills the new roll-up columns from five-level presses already stored', { timeout: 60_000 }, async () => {
    const at = CENTRAL_MIGRATIONS.findIndex((m) => m.sql === ROLLUPS_ALL_LEVELS_SQL)
    expect(at).toBeGreaterThan(0)
    const before = CENTRAL_MIGRATIONS.slice(0, at)
    await owner(server, (c) => migrateCentral(c, before))
    // A store migrated by a chamdiem from before oldest_writer existed.
    await server.query('ALTER TABLE chamdiem.schema_migrations DROP COLUMN oldest_writer')
    await server.query("INSERT INTO chamdiem.centres (id, name) VALUES ('c', 'Phường C')")
    // Two days of a five-level centre: each level at officer an (counter q1) and without an
    // officer, every 5th press a repeat (not counted), the same presses on both days.
    const levels = ['positive', 'neutral', 'fair', 'negative', 'very-negative']
    for (const [d, day] of ['2026-03-09', '2026-03-10'].entries()) {
      await server.query(
        `INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
         SELECT 'c', 'b1', $1, s, ($2::text[])[1 + s % 5], s % 5 = 4 AND s > 20, false, $3::bigint + s * 60000, 0, $3::bigint + s * 60000, 'o', 'q1',
                CASE WHEN s % 3 = 0 THEN NULL ELSE 'an' END, s
           FROM generate_series(1, 40) s`,
        [`boot${d}`, levels, localMidnight(day, TZ) + 8 * 3600_000],
      )
    }
    // Under the version before, the roll-ups hold no fair or very-negative count.
    expect(await server.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'daily_centres' AND column_name = 'fair'")).toEqual([{ n: 0 }])

    const result = await owner(server, (c) => migrateCentral(c))
    expect(result.applied.map((m) => m.version)).toEqual(CENTRAL_MIGRATIONS.slice(at).map((m) => m.version))
    expect(await rollupMismatches(server)).toEqual([])
    // Per day: s = 1..40, level 1 + s % 5; repeats are s = 24, 29, 34, 39 (all at s % 5 = 4: very-negative).
    const days = await server.query('SELECT day::text, positive, neutral, fair, negative, very_negative FROM chamdiem.daily_centres ORDER BY day')
    const perDay = { positive: 8, neutral: 8, fair: 8, negative: 8, very_negative: 4 }
    expect(days).toEqual([
      { day: '2026-03-09', ...perDay },
      { day: '2026-03-10', ...perDay },
    ])
    const an = await server.query("SELECT sum(fair)::int AS fair, sum(very_negative)::int AS very_negative FROM chamdiem.daily_officers WHERE officer_id = 'an'")
    const expected = await server.query(
      "SELECT count(*) FILTER (WHERE rating = 'fair')::int AS fair, count(*) FILTER (WHERE rating = 'very-negative')::int AS very_negative FROM chamdiem.presses WHERE officer_id = 'an' AND NOT repeat",
    )
    expect(an).toEqual(expected)
    expect(expected[0].fair).toBeGreaterThan(0)
    // Every version gets the oldest gateway version it accepts, those applied before included.
    const versions = await server.query<{ version: number; oldest_writer: number }>('SELECT version, oldest_writer FROM chamdiem.schema_migrations ORDER BY version')
    expect(versions.every((v) => Number.isInteger(v.oldest_writer) && v.oldest_writer <= v.version)).toBe(true)

    // The migration's SQL run again (as an operator might, by hand) changes no count.
    const rolled = 'SELECT * FROM chamdiem.daily_officers ORDER BY centre_id, officer_id, day'
    const once = await server.query(rolled)
    await server.query(`BEGIN; ${ROLLUPS_ALL_LEVELS_SQL}; COMMIT`)
    expect(await server.query(rolled)).toEqual(once)
    expect(await rollupMismatches(server)).toEqual([])

    // Presses arriving after the migration are counted at all five levels by the trigger.
    await server.query(
      `INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
       VALUES ('c', 'b1', 'later', 1, 'fair', false, false, $1, 0, $1, 'o', 'q1', 'an', 1)`,
      [localMidnight('2026-03-10', TZ) + 20 * 3600_000],
    )
    expect(await rollupMismatches(server)).toEqual([])
    expect(await server.query("SELECT fair FROM chamdiem.daily_centres WHERE day = '2026-03-10'")).toEqual([{ fair: 9 }])
  })
})

describe('centres upgraded one by one', () => {
  let db: CentralDb
  let g: TestGateway
  let forwarder: CentralForwarder | null = null
  let seq = 0
  const V = CENTRAL_SCHEMA_VERSION

  beforeAll(async () => {
    db = await startCentralDb()
    const url = await db.addCentre('c')
    // No standard parts: this test runs the central forwarder itself, as a gateway of a chosen version.
    g = await startTestGateway({ registry: CENTRE_REGISTRY, config: { ingest: INGEST, central: centralSection(url, 'c'), http: { enabled: false } } })
  }, 60_000)
  afterAll(async () => {
    await forwarder?.stop()
    await g?.stop()
  })

  /** Starts the forwarder of a gateway built for central schema `version`. */
  async function gatewayOf(version: number): Promise<CentralForwarder> {
    await forwarder?.stop()
    forwarder = new CentralForwarder({ db: g.gw.db, config: g.config.central!, log: pino({ level: 'silent' }), bus: g.gw.bus, pg, schemaVersion: version })
    forwarder.start()
    return forwarder
  }
  async function press(): Promise<void> {
    const box = await g.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), JSON.stringify({ seq: ++seq, boot: 'upgrade', rating: 'positive', ageMs: 0 }), { qos: 1 })
    await box.endAsync()
  }
  const central = async () => (await db.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM chamdiem.presses WHERE centre_id = 'c'"))[0].n
  let migrations: CentralMigration[] = [...CENTRAL_MIGRATIONS]
  async function migrate(m: Omit<CentralMigration, 'version'>): Promise<number> {
    migrations = [...migrations, { ...m, version: migrations.at(-1)!.version + 1 }]
    await owner(db.pg, (c) => migrateCentral(c, migrations))
    return migrations.at(-1)!.version
  }

  it('a gateway one version behind forwards after additive migrations and stops with the reason after a breaking one', { timeout: 120_000 }, async () => {
    // The store is at this code's version; the last migration took older writers.
    expect(CENTRAL_MIGRATIONS.at(-1)!.olderWritersOk).toBe(true)
    const old = await gatewayOf(V - 1)
    await press()
    await old.drained(30_000)
    expect(old.status()).toMatchObject({ state: 'ok', backlog: 0 })
    expect(await central()).toBe(1)

    // Another additive migration while it is connected: it goes on.
    await migrate({ name: 'test: an additive change', sql: 'ALTER TABLE chamdiem.presses ADD COLUMN note text', olderWritersOk: true })
    await press()
    await old.drained(30_000)
    expect(await central()).toBe(2)

    // A breaking one: the next round refuses, names both versions and says what to do.
    const breaking = await migrate({ name: 'test: a breaking change', sql: 'COMMENT ON TABLE chamdiem.presses IS NULL', olderWritersOk: false })
    await press()
    await until('the old gateway to stop', () => old.status().state === 'stopped')
    const reason = old.status().lastError!.message
    expect(reason).toContain(`the central schema is at version ${breaking}, which no longer accepts gateways of version ${V - 1}`)
    expect(reason).toContain(`upgrade this gateway`)
    expect(old.status().backlog).toBe(1)
    expect(await central()).toBe(2)

    // Upgraded, the centre sends what it kept.
    const upgraded = await gatewayOf(breaking)
    await upgraded.drained(30_000)
    expect(await central()).toBe(3)
  })

  it('a gateway newer than the store stops and says to migrate', { timeout: 60_000 }, async () => {
    const ahead = migrations.at(-1)!.version + 1
    const f = await gatewayOf(ahead)
    await until('the newer gateway to stop', () => f.status().state === 'stopped')
    expect(f.status().lastError!.message).toContain(`the central schema is at version ${ahead - 1}, older than this gateway's ${ahead}: run \`chamdiem central migrate`)
  })
})
