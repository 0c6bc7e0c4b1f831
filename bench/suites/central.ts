/**
 * Central drain: a backlog of presses in SQLite shipped by the real central forwarder into a
 * fresh PostgreSQL 15 (test/helpers/servers/postgres.ts), beside PostgreSQL's own COPY of the
 * same rows into the same table (same indexes, another centre id) in the same run. The goal
 * (issue 18): the forwarder at ≥ 50% of COPY. COPY is server-side from a CSV file, so it
 * measures PostgreSQL's own bulk path with no client in between.
 */
import { chownSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { pino } from 'pino'
import { openDatabase } from '../../gateway/store/database.ts'
import { CentralForwarder, type CentralConfig } from '../../gateway/central/forwarder.ts'
import { migrateCentral } from '../../gateway/central/migrate.ts'
import { startPostgres } from '../../test/helpers/servers/postgres.ts'
import { backlogRows } from '../lib/backlog.ts'
import { load1, machine } from '../lib/machine.ts'
import { PROVINCE_TZ, PROVINCE_YEAR, loadProvinceYear } from '../lib/province-year.ts'
import { period, ranking, type Period, type RankedRow } from '../../gateway/central/province-queries.ts'
import { goal, round, row } from '../lib/rows.ts'
import type { BenchOptions, Suite, SuiteResult } from '../lib/types.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'

/** Presses per transaction (CHAMDIEM_BENCH_CENTRAL_BATCH to try another size). */
const BATCH = Number(process.env.CHAMDIEM_BENCH_CENTRAL_BATCH ?? 5000)
const NO_ROLLUPS = process.env.CHAMDIEM_BENCH_CENTRAL_NO_ROLLUPS === '1'

async function drainOnce(presses: number, runs: Array<Record<string, unknown>>, r: number, log: (l: string) => void): Promise<{ forwarder: number; copy: number }> {
  const server = await startPostgres({ database: 'province' })
  const dir = mkdtempSync(join(tmpdir(), 'chamdiem-bench-central-'))
  try {
    const admin = new pg.Client({ connectionString: server.url() })
    await admin.connect()
    await migrateCentral(admin)
    await admin.query("CREATE ROLE centre_bench LOGIN PASSWORD 'bench' IN ROLE chamdiem_gateway")
    await admin.query("INSERT INTO chamdiem.centres (id, name, role) VALUES ('bench', 'Bench', 'centre_bench'), ('copy', 'COPY', NULL)")
    // To measure what the daily roll-ups cost the drain (both sides): CHAMDIEM_BENCH_CENTRAL_NO_ROLLUPS=1.
    if (NO_ROLLUPS) await admin.query('ALTER TABLE chamdiem.presses DISABLE TRIGGER USER')

    // The backlog in SQLite, and the same rows as CSV for COPY.
    const db = openDatabase(join(dir, 'chamdiem.db'))
    const insert = db.prepare(
      'INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES (?, ?, ?, ?, 0, ?, 0, ?, ?, ?, ?)',
    )
    const csv: string[] = []
    let id = 0
    db.transaction(() => {
      for (const [box, seq, rating, timeMs, office, counter, officer] of backlogRows(presses)) {
        insert.run(box, 'boot', seq, rating, timeMs, timeMs, office, counter, officer)
        csv.push(`copy,${++id},${box},boot,${seq},${rating},f,f,${timeMs},0,${timeMs},${office},${counter},${officer}`)
      }
    })()
    const csvFile = join(server.dir, 'presses.csv')
    writeFileSync(csvFile, csv.join('\n') + '\n')
    csv.length = 0
    const { uid, gid } = (await import('node:fs')).statSync(server.dir)
    chownSync(csvFile, uid, gid)

    const config: CentralConfig = {
      url: server.url({ user: 'centre_bench', password: 'bench' }),
      centre: 'bench',
      batchSize: BATCH,
      flushIntervalMs: 1000,
      minBackoffMs: 1000,
      maxBackoffMs: 60000,
      recheckMs: 60000,
      connectTimeoutMs: 10000,
      registryEveryMs: 300000,
    }
    let load = load1()
    const forwarder = new CentralForwarder({ db, config, log: pino({ level: 'silent' }), pg })
    const t0 = performance.now()
    forwarder.start()
    await forwarder.drained(600_000)
    const fwdRate = presses / ((performance.now() - t0) / 1000)
    await forwarder.stop()
    db.close()
    runs.push({ round: r, kind: 'forwarder', presses, pressesPerSecond: round(fwdRate), loadavg1: load })
    log(`  run ${r} forwarder ${Math.round(fwdRate).toLocaleString('en-US').padStart(9)} presses/s  load ${load}`)

    load = load1()
    const t1 = performance.now()
    await admin.query(
      `COPY chamdiem.presses (centre_id, gateway_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id) FROM '${csvFile}' WITH (FORMAT csv)`,
    )
    const copyRate = presses / ((performance.now() - t1) / 1000)
    runs.push({ round: r, kind: 'copy', presses, pressesPerSecond: round(copyRate), loadavg1: load })
    log(`  run ${r} COPY      ${Math.round(copyRate).toLocaleString('en-US').padStart(9)} presses/s  load ${load}`)
    const [{ n }] = (await admin.query<{ n: string }>("SELECT count(*) AS n FROM chamdiem.presses WHERE centre_id = 'bench'")).rows
    if (Number(n) !== presses) throw new Error(`forwarder wrote ${n} presses, expected ${presses}`)
    await admin.end()
    return { forwarder: fwdRate, copy: copyRate }
  } finally {
    await server.dispose()
    rmSync(dir, { recursive: true, force: true })
  }
}

export const central: Suite = {
  id: 'central',
  title: 'Central drain: presses/s from a backlog into PostgreSQL 15, beside COPY of the same rows',
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const presses = opts.quick ? 50_000 : 500_000
    const runs: Array<Record<string, unknown>> = []
    const fwd: number[] = []
    const copy: number[] = []
    const ratio: number[] = []
    for (let r = 1; r <= opts.runs; r++) {
      const res = await drainOnce(presses, runs, r, opts.log)
      fwd.push(res.forwarder)
      copy.push(res.copy)
      ratio.push((res.forwarder / res.copy) * 100)
    }
    const ratioRow = row('central', 'forwarder / COPY', '%', ratio)
    return {
      rows: [row('central', 'central forwarder drain into PostgreSQL 15', 'presses/s', fwd), row('central', 'PostgreSQL COPY of the same rows', 'presses/s', copy), ratioRow],
      goals: [goal('central', 'central drain vs COPY', ratioRow.median, '%', '≥ 50', (v) => v >= 50)],
      notes: [`backlog of ${presses.toLocaleString('en-US')} presses, batches of ${BATCH}; a fresh PostgreSQL per run (fsync off, as in the tests); daily roll-up triggers ${NO_ROLLUPS ? 'DISABLED' : 'on'}`],
      runs,
    }
  },
}

/**
 * Province year (issue 18, item 8): one year of a province loaded with COPY through the
 * roll-up triggers, then one quarter ranked (centres, then officers) from the presses alone
 * and from the daily roll-ups, the way `chamdiem central serve` ranks it. Goal: ≤ 1 s at
 * 150 centres (about 11M presses). The default size is smaller, to keep a full bench run
 * short; the full size:
 *
 *   CHAMDIEM_BENCH_PROVINCE_CENTRES=150 npm run bench -- --only central-year
 */
const FULL_PROVINCE = 150
/** Over the tests' settings (fsync off, 32MB buffers): room for a year's indexes while loading. */
const PROVINCE_SETTINGS = { shared_buffers: '1GB', max_wal_size: '8GB', work_mem: '64MB', maintenance_work_mem: '512MB' }

async function timeRanking(client: pg.Client, rollups: boolean, p: Period): Promise<{ ms: number; rows: RankedRow[][] }> {
  const t0 = performance.now()
  const centres = await ranking(client, null, 'centre', p.fromMs, p.toMs, { rollups })
  const officers = await ranking(client, null, 'officer', p.fromMs, p.toMs, { rollups })
  return { ms: performance.now() - t0, rows: [centres, officers] }
}

export const centralYear: Suite = {
  id: 'central-year',
  title: 'Province year: one quarter of a province ranked from presses and from daily roll-ups (PostgreSQL 15)',
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const centres = Number(process.env.CHAMDIEM_BENCH_PROVINCE_CENTRES ?? (opts.quick ? 5 : 30))
    if (!Number.isInteger(centres) || centres < 1 || centres > 999) throw new Error('CHAMDIEM_BENCH_PROVINCE_CENTRES must be 1..999')
    const m = machine()
    opts.log(`  machine: ${m.cores} cores ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}, load ${load1()}`)
    const server = await startPostgres({ database: 'province', settings: PROVINCE_SETTINGS })
    const admin = new pg.Client({ connectionString: server.url() })
    try {
      await admin.connect()
      await migrateCentral(admin)
      const year = await loadProvinceYear(admin, server.dir, centres, opts.log)
      const [{ centre_days, officer_days }] = (
        await admin.query<{ centre_days: string; officer_days: string }>(
          'SELECT (SELECT count(*) FROM chamdiem.daily_centres) AS centre_days, (SELECT count(*) FROM chamdiem.daily_officers) AS officer_days',
        )
      ).rows
      opts.log(
        `  ${year.centres} centres, ${year.officers} officers, ${year.presses.toLocaleString('en-US')} presses generated with COPY in ${round(year.generateMs / 1000)} s; roll-ups: ${centre_days} centre-days, ${officer_days} officer-days`,
      )
      const q = period('quarter', PROVINCE_YEAR, 2, PROVINCE_TZ)
      const raw: number[] = []
      const rolled: number[] = []
      const runs: Array<Record<string, unknown>> = []
      // One untimed round first (plans, caches), then alternate the two ways.
      const reference = (await timeRanking(admin, false, q)).rows
      await timeRanking(admin, true, q)
      for (let r = 1; r <= opts.runs; r++) {
        const load = load1()
        const a = await timeRanking(admin, false, q)
        const b = await timeRanking(admin, true, q)
        if (JSON.stringify(b.rows) !== JSON.stringify(reference) || JSON.stringify(a.rows) !== JSON.stringify(reference)) {
          throw new Error('the ranking from roll-ups differs from the ranking from presses')
        }
        raw.push(a.ms)
        rolled.push(b.ms)
        runs.push({ round: r, presses: year.presses, rawMs: round(a.ms), rollupMs: round(b.ms), loadavg1: load })
        opts.log(`  run ${r}: ${q.label} ranking (centres + officers) from presses ${Math.round(a.ms)} ms, from roll-ups ${Math.round(b.ms)} ms  load ${load}`)
      }
      const rolledRow = row('central-year', `${q.label} ranking, centres + officers, from daily roll-ups`, 'ms', rolled)
      const full = centres >= FULL_PROVINCE
      return {
        rows: [row('central-year', `${q.label} ranking, centres + officers, from presses`, 'ms', raw), rolledRow, row('central-year', 'province year generated with COPY (roll-ups by trigger)', 's', [year.generateMs / 1000])],
        goals: [
          goal('central-year', 'province-year quarter ranking', full ? rolledRow.median : Number.NaN, 'ms', '≤ 1000', (v) => v <= 1000, full ? undefined : `measured at ${centres} centres only: CHAMDIEM_BENCH_PROVINCE_CENTRES=150 for the goal`),
        ],
        notes: [
          `${year.centres} centres, ${year.officers} officers, ${year.presses.toLocaleString('en-US')} presses of ${PROVINCE_YEAR} (weekdays); roll-ups ${centre_days} centre-days + ${officer_days} officer-days; ranked ${q.label} (${q.kind}); PostgreSQL with the tests' settings (fsync off) and ${Object.entries(PROVINCE_SETTINGS).map(([k, v]) => `${k}=${v}`).join(' ')}`,
        ],
        runs,
      }
    } finally {
      await admin.end().catch(() => {})
      await server.dispose()
    }
  },
}
