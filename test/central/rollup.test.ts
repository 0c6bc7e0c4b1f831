/**
 * The daily roll-ups of the central store (schema.ts) against a real PostgreSQL 15: they count
 * exactly the presses PostgreSQL holds, whatever is re-sent, rolled back, updated or deleted;
 * the province's rankings read from them equal the rankings read from the presses alone; and
 * a centre's role can write no roll-up row directly, nor read another centre's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { localMidnight } from '../../gateway/local-time.ts'
import { period, ranking, splitPeriod, type Period } from '../../gateway/central/province-queries.ts'
import { as, rollupMismatches, startCentralDb, type CentralDb } from './central-db.ts'
import { PressingBox, RATINGS, centralStatus, forwarder, startCentreGateway } from './centre-gateway.ts'

const TZ = 'Asia/Ho_Chi_Minh'
const HOUR = 3600_000
const INSERT = `INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
  SELECT $1, 'b1', $2, s, (ARRAY['positive', 'neutral', 'negative'])[1 + (s * $3) % 3], s % 11 = 0, false, t, 0, t, 'o',
         'q1', (ARRAY['an', 'binh', NULL])[1 + s % 3], s
    FROM generate_series(1, $4::int) s, LATERAL (SELECT $5::bigint + s * $6::bigint AS t) x
  ON CONFLICT DO NOTHING`


let db: CentralDb
let x: string
let y: string
let reader: pg.Pool
beforeAll(async () => {
  db = await startCentralDb()
  x = await db.addCentre('rx', 'Phường X')
  y = await db.addCentre('ry', 'Xã Y')
  reader = new pg.Pool({ connectionString: await db.addReader('rollup_reader') })
  // PostgreSQL is disposed at the end of the file, maybe before afterAll ends the pool: an
  // idle client then hears "terminating connection", which is no failure of this test.
  reader.on('error', () => {})
})
afterAll(async () => {
  await reader?.end()
})

/** Every ranking the province serves over `periods`, from roll-ups and from presses alone. */
async function expectRankingsFromRollupsEqualPresses(periods: Array<Pick<Period, 'fromMs' | 'toMs'>>): Promise<void> {
  for (const p of periods) {
    for (const by of ['centre', 'officer'] as const) {
      for (const scope of [null, 'rx']) {
        const fromRollups = await ranking(reader, scope, by, p.fromMs, p.toMs)
        const fromPresses = await ranking(reader, scope, by, p.fromMs, p.toMs, { rollups: false })
        expect(fromRollups, `${by} ${scope} ${new Date(p.fromMs).toISOString()}..${new Date(p.toMs).toISOString()}`).toEqual(fromPresses)
      }
    }
  }
}

describe('daily roll-ups', () => {
  it('count exactly the presses held through re-sends, a rolled-back batch, updates and deletes; rankings from them equal rankings from presses', { timeout: 60_000 }, async () => {
    // Q1 and Q2 2026, a press every 7 h (so some fall just before and just after local
    // midnight), another every 13 h; and presses at local midnight exactly and 1 ms before.
    const q1 = localMidnight('2026-01-01', TZ)
    for (const [url, centre] of [
      [x, 'rx'],
      [y, 'ry'],
    ] as const) {
      await as(url, async (c) => {
        expect((await c.query(INSERT, [centre, 'boot-a', 1, 620, q1, 7 * HOUR])).rowCount).toBe(620)
        expect((await c.query(INSERT, [centre, 'boot-b', 2, 330, q1 + 30 * 60_000, 13 * HOUR])).rowCount).toBe(330)
        // A batch sent again (a kill -9 between COMMIT and cursor): nothing new, nothing counted.
        expect((await c.query(INSERT, [centre, 'boot-a', 1, 700, q1, 7 * HOUR])).rowCount).toBe(80)
        for (const day of ['2026-02-01', '2026-04-01', '2026-05-15']) {
          await c.query(INSERT, [centre, `edge-${day}`, 1, 3, localMidnight(day, TZ) - 2, 1])
        }
        // A batch rolled back (PostgreSQL went away before COMMIT): nothing counted.
        await c.query('BEGIN')
        await c.query(INSERT, [centre, 'rolled-back', 1, 50, q1, HOUR])
        await c.query('ROLLBACK')
      })
    }
    await db.pg.query("INSERT INTO chamdiem.officers (centre_id, id, office_id, name, active, staff_code) VALUES ('rx', 'an', 'o', 'An', true, 'CB-1'), ('ry', 'an', 'o', 'An', true, 'CB-1'), ('ry', 'binh', 'o', 'Bình', true, NULL)")
    expect(await rollupMismatches(db.pg)).toEqual([])
    const [{ n }] = await db.pg.query<{ n: string }>('SELECT sum(positive + neutral + negative) AS n FROM chamdiem.daily_centres')
    const [{ m }] = await db.pg.query<{ m: string }>("SELECT count(*) AS m FROM chamdiem.presses WHERE NOT repeat")
    expect(Number(n)).toBe(Number(m))

    const periods = [
      period('quarter', 2026, 1, TZ),
      period('quarter', 2026, 2, TZ),
      period('month', 2026, 2, TZ),
      period('half', 2026, 1, TZ),
      period('year', 2026, 1, TZ),
      // Not whole days: partial days at both ends come from the presses.
      { fromMs: localMidnight('2026-01-10', TZ) + 10 * HOUR, toMs: localMidnight('2026-03-03', TZ) + 15 * HOUR + 1 },
      { fromMs: localMidnight('2026-02-01', TZ) - 1, toMs: localMidnight('2026-02-01', TZ) + 1 },
      { fromMs: localMidnight('2026-02-02', TZ) + HOUR, toMs: localMidnight('2026-02-02', TZ) + 20 * HOUR },
    ]
    // A quarter reads no presses: its ends are roll-up days.
    expect(await splitPeriod(reader, periods[1].fromMs, periods[1].toMs)).toEqual({
      firstDay: '2026-04-01',
      endDay: '2026-07-01',
      startMs: periods[1].fromMs,
      endMs: periods[1].toMs,
    })
    await expectRankingsFromRollupsEqualPresses(periods)
    const quarter = await ranking(reader, null, 'officer', periods[0].fromMs, periods[0].toMs)
    expect(quarter.find((r) => r.key === 'CB-1')).toMatchObject({ name: 'An', centreId: null, centreName: 'Phường X, Xã Y' })

    // The province's owner corrects and deletes presses: the roll-ups follow.
    await db.pg.query("UPDATE chamdiem.presses SET rating = 'negative', officer_id = 'binh' WHERE centre_id = 'rx' AND boot = 'boot-b' AND seq % 4 = 0")
    await db.pg.query("UPDATE chamdiem.presses SET repeat = true WHERE centre_id = 'ry' AND seq % 5 = 0")
    await db.pg.query("DELETE FROM chamdiem.presses WHERE centre_id = 'ry' AND boot = 'boot-b'")
    expect(await rollupMismatches(db.pg)).toEqual([])
    await expectRankingsFromRollupsEqualPresses(periods)
  })

  it("a centre's role writes no roll-up row, its own or another centre's, and reads only its own", async () => {
    const refused = /permission denied/
    const q2 = localMidnight('2026-04-02', TZ)
    await as(x, (c) => c.query(INSERT, ['rx', 'rls', 0, 3, q2, HOUR]))
    await as(y, async (c) => {
      await expect(c.query("INSERT INTO chamdiem.daily_centres (centre_id, day, positive, neutral, negative) VALUES ('rx', '2026-04-03', 1000, 0, 0)")).rejects.toThrow(refused)
      await expect(c.query("INSERT INTO chamdiem.daily_officers (centre_id, officer_id, day, positive, neutral, negative) VALUES ('rx', 'an', '2026-04-03', 0, 0, 1000)")).rejects.toThrow(refused)
      await expect(c.query("UPDATE chamdiem.daily_centres SET negative = negative + 1000 WHERE centre_id = 'rx'")).rejects.toThrow(refused)
      await expect(c.query("DELETE FROM chamdiem.daily_officers WHERE centre_id = 'rx'")).rejects.toThrow(refused)
      // Nor its own: what a gateway forwarded, it cannot rewrite centrally.
      await expect(c.query("UPDATE chamdiem.daily_centres SET positive = positive + 1000 WHERE centre_id = 'ry'")).rejects.toThrow(refused)
      await expect(c.query("INSERT INTO chamdiem.daily_centres (centre_id, day, positive, neutral, negative) VALUES ('ry', '2030-01-01', 1000, 0, 0)")).rejects.toThrow(refused)
      await expect(c.query('SELECT chamdiem.rebuild_rollups()')).rejects.toThrow(refused)
      await expect(c.query("UPDATE chamdiem.rollup_settings SET time_zone = 'UTC'")).rejects.toThrow(refused)
      // Its presses are its only way in, and row-level security confines those to its centre.
      await expect(c.query(INSERT, ['rx', 'rls-forged', 0, 3, q2, HOUR])).rejects.toThrow(/row-level security/)
      const seen = await c.query<{ centre_id: string }>('SELECT DISTINCT centre_id FROM chamdiem.daily_centres UNION SELECT DISTINCT centre_id FROM chamdiem.daily_officers')
      expect(seen.rows).toEqual([{ centre_id: 'ry' }])
    })
    expect(await rollupMismatches(db.pg)).toEqual([])
  })

  it("a forwarding gateway's whole outbox sent again counts nothing twice", { timeout: 120_000 }, async () => {
    const url = await db.addCentre('resend')
    const g = await startCentreGateway(url, 'resend')
    const boxes = [await PressingBox.connect(g, 'box-1'), await PressingBox.connect(g, 'box-2'), await PressingBox.connect(g, 'box-3')]
    for (let i = 0; i < 20; i++) await Promise.all(boxes.map((b, j) => b.press(RATINGS[(i + j) % 3])))
    await forwarder(g).drained()
    const before = await db.pg.query("SELECT * FROM chamdiem.daily_officers WHERE centre_id = 'resend' ORDER BY officer_id, day")
    expect(before.length).toBeGreaterThan(0)
    expect(centralStatus(g)).toMatchObject({ pressesWritten: 60, pressesSent: 60 })

    // The cursor back to the start (as after a restore of the gateway's backup): all again.
    await forwarder(g).stop()
    g.gw.db.prepare("UPDATE forwarder_cursors SET last_press_id = 0 WHERE name = 'central'").run()
    forwarder(g).start()
    await forwarder(g).drained()
    expect(centralStatus(g)).toMatchObject({ state: 'ok', backlog: 0, pressesWritten: 60, pressesSent: 120 })
    expect(await db.pg.query("SELECT * FROM chamdiem.daily_officers WHERE centre_id = 'resend' ORDER BY officer_id, day")).toEqual(before)
    expect(await rollupMismatches(db.pg)).toEqual([])
    await expectRankingsFromRollupsEqualPresses([{ fromMs: localMidnight('2000-01-01', TZ), toMs: localMidnight('2100-01-01', TZ) }])
  })
})
