/**
 * A five-level gateway forwarding to a real InfluxDB 1.6.7: each press arrives with its
 * level as the `rating` tag (as DESIGN.md's point), so Grafana can group by level.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { InfluxForwarder } from '../../gateway/influx/forwarder.ts'
import { silentLogger } from '../../gateway/log.ts'
import { resolveConfig } from '../../gateway/config.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { startInfluxDb1, type InfluxDb1Server } from '../helpers/servers/influxdb.ts'

let influx: InfluxDb1Server
beforeAll(async () => {
  influx = await startInfluxDb1({ database: 'chamdiem' })
})

describe('a five-level gateway -> InfluxDB 1.6.7', () => {
  it('writes each press with its level as the rating tag', async () => {
    const t = await startTestGateway({ registry: OFFICE, noStart: true, config: { ratingScale: { preset: 5 }, ingest: { cooldownMs: 0 } } })
    let forwarder: InfluxForwarder | undefined
    t.gw.addOptionalPart('influx', async () => {
      const config = resolveConfig({ influx: { api: 'v1', url: influx.url, database: 'chamdiem', flushIntervalMs: 100 } }, '(test)', {}).influx!
      forwarder = new InfluxForwarder({ db: t.gw.db, config, log: silentLogger(), bus: t.gw.bus })
      return forwarder
    })
    await t.gw.start()
    const box = await t.connectBox('box-1', SECRET('box-1'))
    // 1 positive, 2 neutral, 3 fair, 4 negative, 5 very-negative.
    const levels = ['positive', 'neutral', 'fair', 'negative', 'very-negative']
    let seq = 0
    for (const [i, rating] of levels.entries()) {
      for (let k = 0; k <= i; k++) await box.publishAsync(pressTopic('box-1'), JSON.stringify({ seq: ++seq, boot: 'five', rating, ageMs: 0 }), { qos: 1 })
    }
    await forwarder!.drained()
    const byLevel: Record<string, number> = {}
    for (const l of levels) {
      const rows = await influx.query(`SELECT count(value) FROM press WHERE rating = '${l}'`, { database: 'chamdiem' })
      byLevel[l] = Number(rows[0]?.count ?? 0)
    }
    expect(byLevel).toEqual({ positive: 1, neutral: 2, fair: 3, negative: 4, 'very-negative': 5 })
  })
})
