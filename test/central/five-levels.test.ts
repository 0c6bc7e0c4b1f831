/**
 * A five-level centre forwarding to the province's PostgreSQL: every level arrives with its
 * id (the central rating column takes the five ids since central migration 2), and a press the
 * central store holds from before keeps its value.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { SECRET } from '../helpers/office.ts'
import { startCentralDb, type CentralDb } from './central-db.ts'
import { CENTRE_REGISTRY, INGEST, centralSection, centralStatus, forwarder } from './centre-gateway.ts'

let db: CentralDb
beforeAll(async () => {
  db = await startCentralDb()
})

describe('a five-level centre', () => {
  it('forwards a press at each of the five levels without error', { timeout: 120_000 }, async () => {
    const url = await db.addCentre('five')
    const g = await startTestGateway({
      registry: CENTRE_REGISTRY,
      config: { ingest: INGEST, central: centralSection(url, 'five'), http: { enabled: false }, ratingScale: { preset: 5 } },
      standardParts: true,
    })
    const box = await g.connectBox('box-1', SECRET('box-1'))
    const levels = ['positive', 'neutral', 'fair', 'negative', 'very-negative']
    for (const [i, rating] of levels.entries()) await box.publishAsync(pressTopic('box-1'), JSON.stringify({ seq: i + 1, boot: 'five', rating, ageMs: 0 }), { qos: 1 })
    await forwarder(g).drained(60_000)
    expect(centralStatus(g)).toMatchObject({ state: 'ok', backlog: 0 })
    const rows = await db.pg.query<{ rating: string }>("SELECT rating FROM chamdiem.presses WHERE centre_id = 'five' ORDER BY seq")
    expect(rows.map((r) => r.rating)).toEqual(levels)
  })
})
