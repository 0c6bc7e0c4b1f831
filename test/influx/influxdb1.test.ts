/**
 * The forwarder on the v1 path against a real InfluxDB 1.6.7 (Debian's influxd), started by
 * the test on free loopback ports.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { startInfluxDb1, type InfluxDb1Server } from '../helpers/servers/influxdb.ts'
import { PressFactory, expectedPoints, insertPresses, pointKey, type PressSpec } from './fixtures/presses.ts'
import { influxConfig, newBus, patience, startForwarder, tempDb } from './fixtures/setup.ts'

let influx: InfluxDb1Server
let dbCounter = 0

beforeAll(async () => {
  influx = await startInfluxDb1({ database: null })
})

/** A fresh database per test, so the tests cannot see each other's points. */
async function freshDatabase(): Promise<string> {
  const name = `t${++dbCounter}`
  await influx.exec(`CREATE DATABASE "${name}"`)
  return name
}

async function pointsIn(database: string): Promise<string[]> {
  const rows = await influx.query('SELECT * FROM press', { database })
  return rows.map((r) => pointKey(r as Parameters<typeof pointKey>[0])).sort()
}

describe('InfluxDB 1.6.7 (v1 /write)', () => {
  it('writes one point per press, tag by tag, including two presses of one box in the same millisecond', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    const presses = new PressFactory(db, { seed: 7 })
    const specs = presses.insert(6000)
    const sameMs = specs.filter((p, i) => i > 0 && specs[i - 1].boxId === p.boxId && specs[i - 1].timeMs === p.timeMs)
    expect(sameMs.length).toBeGreaterThan(50)
    expect(specs.some((p) => p.counterId === 'Quầy 2, tầng=1')).toBe(true)

    const forwarder = startForwarder({ db, config: influxConfig({ api: 'v1', url: influx.url, database, batchSize: 500 }) })
    await forwarder.drained()

    const points = await pointsIn(database)
    expect(points).toHaveLength(6000)
    expect(points).toEqual(expectedPoints(db))
    const status = forwarder.status()
    expect(status).toMatchObject({ state: 'ok', backlog: 0, pointsWritten: 6000, lastError: null })
    expect(status.lastSuccessAt).not.toBeNull()
    // Vietnamese and escaped characters come back exactly as stored.
    const rows = await influx.query(`SELECT count(value) FROM press WHERE counter = 'Quầy 2, tầng=1' AND officer = 'Nguyễn Văn An'`, { database })
    expect(Number(rows[0].count)).toBe(specs.filter((p) => p.counterId === 'Quầy 2, tầng=1' && p.officerId === 'Nguyễn Văn An').length)
  })

  it('sends new presses as they are stored (woken by the bus)', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    const bus = newBus()
    const forwarder = startForwarder({ db, bus, config: influxConfig({ api: 'v1', url: influx.url, database, flushIntervalMs: 60_000 }) })
    await forwarder.drained()
    const presses = new PressFactory(db, { seed: 3, startMs: Date.now() - 60_000 })
    for (let round = 0; round < 5; round++) {
      presses.insert(20)
      bus.emit('press', {} as never)
      await expect.poll(async () => (await pointsIn(database)).length, patience(`round ${round} in InfluxDB`)).toBe((round + 1) * 20)
    }
    expect(await pointsIn(database)).toEqual(expectedPoints(db))
  })

  it('keeps every press through an outage and sends each exactly once when the server is back', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    const bus = newBus()
    const presses = new PressFactory(db, { seed: 11 })
    const forwarder = startForwarder({ db, bus, config: influxConfig({ api: 'v1', url: influx.url, database, batchSize: 300 }) })
    presses.insert(1000)
    bus.emit('press', {} as never)
    await forwarder.drained()

    await influx.stop()
    try {
      // Minutes of traffic while the server is down, in small groups as ingest commits them.
      for (let i = 0; i < 30; i++) {
        presses.advance(10_000)
        presses.insert(100)
        bus.emit('press', {} as never)
      }
      await expect.poll(() => forwarder.status().state, patience('the forwarder to notice the outage')).toBe('retrying')
      const during = forwarder.status()
      expect(during.backlog).toBeGreaterThan(0)
      expect(during.lastError?.message).toMatch(/cannot reach InfluxDB/)
      presses.insert(500)
    } finally {
      await influx.start()
    }
    await forwarder.drained()
    const points = await pointsIn(database)
    expect(points).toHaveLength(4500)
    expect(points).toEqual(expectedPoints(db))
    expect(forwarder.status()).toMatchObject({ state: 'ok', backlog: 0 })
  })

  it('presses of two boots with the same seq in the same millisecond are distinct points; a re-send still rewrites them', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    const at = Date.UTC(2026, 0, 5, 3, 0, 0, 123)
    const specs: PressSpec[] = []
    for (let seq = 1; seq <= 5; seq++) {
      for (const boot of ['bootA', 'bootB']) {
        specs.push({ boxId: 'box-01', boot, seq, rating: 'negative', repeat: false, timeMs: at, officeId: 'ubnd-q1', counterId: 'q1-c1', officerId: 'an' })
      }
    }
    insertPresses(db, specs)
    const config = influxConfig({ api: 'v1', url: influx.url, database, batchSize: 3 })
    await startForwarder({ db, config }).drained()
    const count = async () => Number((await influx.query('SELECT count(value) FROM press', { database }))[0].count)
    expect(await count()).toBe(10)
    expect(await pointsIn(database)).toEqual(expectedPoints(db))
    db.prepare("UPDATE forwarder_cursors SET last_press_id = 0 WHERE name = 'influx'").run()
    await startForwarder({ db, config }).drained()
    expect(await count()).toBe(10)
  })

  it('re-sending an accepted batch rewrites the same points (no double count)', async () => {
    const database = await freshDatabase()
    const { db } = tempDb()
    new PressFactory(db, { seed: 5 }).insert(2000)
    const config = influxConfig({ api: 'v1', url: influx.url, database, batchSize: 700 })
    await startForwarder({ db, config }).drained()
    // Forget that they were sent, as a crash right after the write would.
    db.prepare("UPDATE forwarder_cursors SET last_press_id = 0 WHERE name = 'influx'").run()
    const again = startForwarder({ db, config })
    await again.drained()
    expect(again.status().pointsWritten).toBe(2000)
    expect(await pointsIn(database)).toEqual(expectedPoints(db))
  })

  it('stops with a clear error when the database does not exist, keeps the backlog, and resumes once it is created', async () => {
    const database = `missing${++dbCounter}`
    const { db } = tempDb()
    new PressFactory(db, { seed: 9 }).insert(800)
    const forwarder = startForwarder({ db, config: influxConfig({ api: 'v1', url: influx.url, database, recheckMs: 200 }) })
    await expect.poll(() => forwarder.status().state, patience('the forwarder to stop')).toBe('stopped')
    const status = forwarder.status()
    expect(status.backlog).toBe(800)
    expect(status.lastError?.status).toBe(404)
    expect(status.lastError?.message).toMatch(/database not found/)
    expect(status.lastError?.message).toMatch(/create it/)
    expect(forwarder.metrics()).toContainEqual(expect.objectContaining({ name: 'chamdiem_influx_state', labels: { forwarder: 'influx', state: 'stopped' }, value: 1 }))

    await influx.exec(`CREATE DATABASE "${database}"`)
    await forwarder.drained()
    expect(await pointsIn(database)).toEqual(expectedPoints(db))
    expect(forwarder.status().state).toBe('ok')
  })
})

describe('InfluxDB 1.6.7 with authentication', () => {
  let secured: InfluxDb1Server
  beforeAll(async () => {
    secured = await startInfluxDb1({ database: 'chamdiem', auth: { username: 'chamdiem', password: 'right pass' } })
  })

  it('wrong password: a clear error, the backlog kept, and a restart with the right password sends it all', async () => {
    const { db } = tempDb()
    new PressFactory(db, { seed: 13 }).insert(1200)
    const wrong = startForwarder({
      db,
      config: influxConfig({ api: 'v1', url: secured.url, database: 'chamdiem', username: 'chamdiem', password: 'wrong', recheckMs: 60_000 }),
    })
    await expect.poll(() => wrong.status().state, patience('the forwarder to stop')).toBe('stopped')
    expect(wrong.status().lastError).toMatchObject({ status: 401 })
    expect(wrong.status().lastError?.message).toMatch(/authorization failed.*check influx\.token, or influx\.username\/password/)
    expect(wrong.status().backlog).toBe(1200)
    await wrong.stop()

    const fixed = startForwarder({
      db,
      config: influxConfig({ api: 'v1', url: secured.url, database: 'chamdiem', username: 'chamdiem', password: 'right pass' }),
    })
    await fixed.drained()
    const rows = await secured.query('SELECT * FROM press')
    expect(rows.map((r) => pointKey(r as Parameters<typeof pointKey>[0])).sort()).toEqual(expectedPoints(db))
  })
})
