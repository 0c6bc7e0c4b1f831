import { beforeAll, describe, expect, it } from 'vitest'
import { chamdiem } from '../helpers/cli.ts'
import { as, startCentralDb, type CentralDb } from './central-db.ts'
import { CENTRAL_SCHEMA_VERSION } from '../../gateway/central/schema.ts'


const press = (centre: string, seq: number) =>
  [centre, 'b1', 'boot1', seq, 'positive', false, false, 1000, 0, 1000, 'o1', 'q1', 'an', seq]
const INSERT_PRESS = `INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

describe('central schema', () => {
  let db: CentralDb
  let x: string
  let y: string
  beforeAll(async () => {
    db = await startCentralDb()
    x = await db.addCentre('x')
    y = await db.addCentre('y')
  })

  it('migrates once and says so when run again', async () => {
    const again = await chamdiem(['central', 'migrate', '--url', db.pg.url()])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(`up to date (version ${CENTRAL_SCHEMA_VERSION})`)
    const versions = await db.pg.query<{ version: number }>('SELECT version FROM chamdiem.schema_migrations ORDER BY version')
    expect(versions.map((v) => v.version)).toEqual([...Array(CENTRAL_SCHEMA_VERSION).keys()].map((i) => i + 1))
  })

  it("lets a centre's role write its own rows only, and read nothing of another centre", async () => {
    await as(x, (c) => c.query(INSERT_PRESS, press('x', 1)))
    await as(y, (c) => c.query(INSERT_PRESS, press('y', 1)))
    // Two centres may both have a counter q1 and an officer an.
    await as(x, (c) => c.query("INSERT INTO chamdiem.counters (centre_id, id, office_id, name) VALUES ('x', 'q1', 'o1', 'Quầy 1')"))
    await as(y, (c) => c.query("INSERT INTO chamdiem.counters (centre_id, id, office_id, name) VALUES ('y', 'q1', 'o1', 'Quầy 1')"))

    await expect(as(x, (c) => c.query(INSERT_PRESS, press('y', 2)))).rejects.toThrow(/row-level security/)
    await expect(as(x, (c) => c.query("UPDATE chamdiem.counters SET name = 'hijacked' WHERE centre_id = 'y'"))).resolves.toMatchObject({ rowCount: 0 })
    await expect(as(x, (c) => c.query("UPDATE chamdiem.counters SET centre_id = 'y' WHERE centre_id = 'x'"))).rejects.toThrow(/permission denied/)
    expect((await as(x, (c) => c.query('SELECT centre_id FROM chamdiem.presses'))).rows).toEqual([{ centre_id: 'x' }])
    expect((await as(x, (c) => c.query('SELECT id FROM chamdiem.centres'))).rows).toEqual([{ id: 'x' }])
    // What a gateway forwarded it cannot rewrite or delete centrally.
    await expect(as(x, (c) => c.query("UPDATE chamdiem.presses SET rating = 'negative'"))).rejects.toThrow(/permission denied/)
    await expect(as(x, (c) => c.query('DELETE FROM chamdiem.presses'))).rejects.toThrow(/permission denied/)
    // Nor claim a province staff code.
    await as(x, (c) => c.query("INSERT INTO chamdiem.officers (centre_id, id, office_id, name, active) VALUES ('x', 'an', 'o1', 'An', true)"))
    await expect(as(x, (c) => c.query("UPDATE chamdiem.officers SET staff_code = 'S1'"))).rejects.toThrow(/permission denied/)

    const reader = await db.addReader('oversight')
    const all = await as(reader, (c) => c.query('SELECT centre_id FROM chamdiem.presses ORDER BY centre_id'))
    expect(all.rows).toEqual([{ centre_id: 'x' }, { centre_id: 'y' }])
    await expect(as(reader, (c) => c.query(INSERT_PRESS, press('x', 9)))).rejects.toThrow(/permission denied/)
  })

  it('keeps a press once however often it is sent', async () => {
    const sent = await as(x, (c) => c.query(`${INSERT_PRESS} ON CONFLICT DO NOTHING`, press('x', 1)))
    expect(sent.rowCount).toBe(0)
  })
})
