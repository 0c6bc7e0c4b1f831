/**
 * The forwarder on the v2 path (@influxdata/influxdb-client, `/api/v2/write`) against a real
 * VictoriaMetrics, started by the test on a free loopback port.
 *
 * VictoriaMetrics names the series `press_value` (measurement_field) and keeps millisecond
 * timestamps: the sub-millisecond digits that keep two presses of one box in one millisecond
 * apart in InfluxDB are dropped there, and with deduplication on (as a re-sent batch needs)
 * such a pair with identical tags is one sample. So here the expectation is one sample per
 * distinct (tags, millisecond); the InfluxDB 1.6.7 suite checks one point per press.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../gateway/store/database.ts'
import { startVictoriaMetrics, type VictoriaMetricsServer } from '../helpers/servers/victoria-metrics.ts'
import { PressFactory } from './fixtures/presses.ts'
import { influxConfig, newBus, patience, startForwarder, tempDb } from './fixtures/setup.ts'

let vm: VictoriaMetricsServer
let bucket = 0
beforeAll(async () => {
  vm = await startVictoriaMetrics()
})

/** Each test writes to its own office prefix so the tests do not see each other's samples. */
function expectedSamples(db: Db, prefix: string): string[] {
  const rows = db
    .prepare('SELECT box_id, rating, repeat, time_ms, office_id, counter_id, officer_id FROM presses')
    .all() as Array<{ box_id: string; rating: string; repeat: number; time_ms: number; office_id: string | null; counter_id: string | null; officer_id: string | null }>
  const keys = rows.map((r) =>
    [prefix + r.box_id, r.counter_id ?? 'unassigned', r.office_id ?? 'unassigned', r.officer_id ?? 'unattributed', r.rating, r.repeat ? 'true' : 'false', r.time_ms, 1].join('|'),
  )
  return [...new Set(keys)].sort()
}

async function samplesIn(prefix: string): Promise<string[]> {
  const series = await vm.exportSeries(`{__name__="press_value",box=~"${prefix}.*"}`)
  const keys: string[] = []
  for (const s of series) {
    const m = s.metric
    s.timestamps.forEach((t, i) => keys.push([m.box, m.counter, m.office, m.officer, m.rating, m.repeat, t, s.values[i]].join('|')))
  }
  return keys.sort()
}

/** Presses whose box ids carry a per-test prefix. */
function prefixBoxes(db: Db, prefix: string): void {
  db.prepare('UPDATE presses SET box_id = ? || box_id').run(prefix)
}

describe('VictoriaMetrics (v2 /api/v2/write via @influxdata/influxdb-client)', () => {
  it('writes every press with its tags, Vietnamese and escaped values intact', async () => {
    const prefix = `v${++bucket}-`
    const { db } = tempDb()
    new PressFactory(db, { seed: 31 }).insert(5000)
    prefixBoxes(db, prefix)
    const forwarder = startForwarder({ db, config: influxConfig({ api: 'v2', url: vm.url, token: 'unused', org: 'o', bucket: 'chamdiem', batchSize: 1000 }) })
    await forwarder.drained()
    expect(forwarder.status()).toMatchObject({ state: 'ok', backlog: 0, pointsWritten: 5000 })
    const expected = expectedSamples(db, '')
    await expect.poll(async () => (await samplesIn(prefix)).length, patience('samples to be searchable')).toBe(expected.length)
    expect(await samplesIn(prefix)).toEqual(expected)
    expect(expected.some((k) => k.includes('Quầy 2, tầng=1|ubnd-q1|Nguyễn Văn An'))).toBe(true)
  })

  it('keeps every press through an outage and writes each exactly once when the server is back', async () => {
    const prefix = `v${++bucket}-`
    const { db } = tempDb()
    const bus = newBus()
    const presses = new PressFactory(db, { seed: 37 })
    const forwarder = startForwarder({ db, bus, config: influxConfig({ api: 'v2', url: vm.url, org: 'o', bucket: 'chamdiem', batchSize: 400 }) })
    const insert = (n: number) => {
      presses.insert(n)
      db.prepare("UPDATE presses SET box_id = ? || box_id WHERE box_id NOT LIKE 'v%'").run(prefix)
      bus.emit('press', {} as never)
    }
    insert(1000)
    await forwarder.drained()

    await vm.stop()
    try {
      for (let i = 0; i < 20; i++) {
        presses.advance(15_000)
        insert(100)
      }
      await expect.poll(() => forwarder.status().state, patience('the forwarder to notice the outage')).toBe('retrying')
      expect(forwarder.status().backlog).toBeGreaterThan(0)
    } finally {
      await vm.start()
    }
    await forwarder.drained()
    const expected = expectedSamples(db, '')
    await expect.poll(async () => (await samplesIn(prefix)).length, patience('samples to be searchable')).toBe(expected.length)
    expect(await samplesIn(prefix)).toEqual(expected)
  })
})
