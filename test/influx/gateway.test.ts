/**
 * End to end: boxes publish presses over MQTT to a real gateway, whose forwarder (added as an
 * optional part, as gateway/parts.ts wires it) ships them to a real InfluxDB 1.6.7; the
 * server goes away and comes back while boxes keep pressing.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { InfluxForwarder } from '../../gateway/influx/forwarder.ts'
import { silentLogger } from '../../gateway/log.ts'
import { resolveConfig } from '../../gateway/config.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { startInfluxDb1, type InfluxDb1Server } from '../helpers/servers/influxdb.ts'
import { expectedPoints, pointKey } from './fixtures/presses.ts'
import { patience } from './fixtures/setup.ts'

let influx: InfluxDb1Server
beforeAll(async () => {
  influx = await startInfluxDb1({ database: 'chamdiem' })
})

describe('gateway -> InfluxDB 1.6.7', () => {
  it('every press a box published is in InfluxDB once, attributed, through an outage of the server', async () => {
    const t = await startTestGateway({ registry: OFFICE, noStart: true })
    let forwarder: InfluxForwarder | undefined
    t.gw.addOptionalPart('influx', async () => {
      const config = resolveConfig(
        { influx: { api: 'v1', url: influx.url, database: 'chamdiem', minBackoffMs: 50, maxBackoffMs: 300, flushIntervalMs: 200 } },
        '(test)',
        {},
      ).influx!
      forwarder = new InfluxForwarder({ db: t.gw.db, config, log: silentLogger(), bus: t.gw.bus })
      return forwarder
    })
    await t.gw.start()
    expect(t.gw.parts.find((p) => p.name === 'influx')?.state).toBe('running')
    t.gw.registry.signIn('an', 'q1')

    const box1 = await t.connectBox('box-1', SECRET('box-1'))
    const box2 = await t.connectBox('box-2', SECRET('box-2'))
    const ratings = ['positive', 'neutral', 'negative'] as const
    let seq = 0
    const pressAll = async (n: number) => {
      for (let i = 0; i < n; i++) {
        seq++
        await Promise.all([
          box1.publishAsync(pressTopic('box-1'), press(seq, ratings[seq % 3]), { qos: 1 }),
          box2.publishAsync(pressTopic('box-2'), press(seq, ratings[(seq + 1) % 3]), { qos: 1 }),
        ])
      }
    }

    await pressAll(100)
    await forwarder!.drained()
    await influx.stop()
    try {
      await pressAll(150)
      await expect.poll(() => forwarder!.status().state, patience('the forwarder to notice the outage')).toBe('retrying')
    } finally {
      await influx.start()
    }
    await pressAll(50)
    await forwarder!.drained()

    const rows = await influx.query('SELECT * FROM press')
    expect(rows).toHaveLength(600)
    expect(rows.map((r) => pointKey(r as Parameters<typeof pointKey>[0])).sort()).toEqual(expectedPoints(t.gw.db))
    // Attribution reached InfluxDB: box-1's presses are An's at counter q1; box-2 has no one on duty.
    const byOfficer = await influx.query('SELECT count(value) FROM press GROUP BY officer, counter')
    expect(byOfficer.map((r) => [r.tags, r.count])).toEqual([
      ['counter=q1,officer=an', '300'],
      ['counter=q2,officer=unattributed', '300'],
    ])
  })
})
