/**
 * A gateway process killed with SIGKILL after PostgreSQL committed a batch and before the
 * gateway moved its cursor (a test hook holds it exactly there): restarted, it sends the batch
 * again and nothing is counted twice; the province's counts equal the gateway's own.
 */
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import mqtt from 'mqtt'
import { pressTopic } from '../../protocol/index.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { buildReport } from '../../gateway/report.ts'
import { childGateway } from '../helpers/child-gateway.ts'
import { SECRET, press } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { rollupMismatches, startCentralDb, type CentralDb } from './central-db.ts'
import { CENTRE_REGISTRY, INGEST, RATINGS, centralCounts, centralSection, type Counts } from './centre-gateway.ts'

const HOOK = 'CHAMDIEM_TEST_CENTRAL_HANG_AFTER_COMMIT'
const patience = (what: string) => ({ timeout: 60_000, interval: 100, message: what })

async function pressFrom(port: number, box: string, seqs: number[]): Promise<number> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: box, password: SECRET(box), clientId: box, reconnectPeriod: 0 })
  try {
    for (const seq of seqs) await client.publishAsync(pressTopic(box), press(seq, RATINGS[seq % 3]), { qos: 1 })
    return seqs.length
  } finally {
    await client.endAsync(true)
  }
}

let db: CentralDb
let url: string
beforeAll(async () => {
  db = await startCentralDb()
  url = await db.addCentre('killed')
})

describe('central forwarder killed between COMMIT and cursor', () => {
  // Two gateway processes start one after the other: slow on a loaded machine.
  it('re-sends the committed batch after a restart without counting it twice', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('chamdiem-central-kill-')
    const g = await childGateway(dataDir, {
      registry: CENTRE_REGISTRY,
      ingest: INGEST,
      http: { enabled: false },
      central: centralSection(url, 'killed', { batchSize: 10, flushIntervalMs: 200 }),
    })
    process.env[HOOK] = '1'
    try {
      await g.start()
    } finally {
      delete process.env[HOOK]
    }
    let acknowledged = await pressFrom(g.mqttPort, 'box-1', [...Array(15).keys()].map((i) => i + 1))
    acknowledged += await pressFrom(g.mqttPort, 'box-2', [...Array(15).keys()].map((i) => i + 1))
    await expect.poll(() => g.output().includes('test hook: committed'), patience('a batch committed in PostgreSQL')).toBe(true)
    await g.kill('SIGKILL')

    const local = openDatabase(`${dataDir}/chamdiem.db`)
    onTestFinished(() => {
      local.close()
    })
    const cursor = () => (local.prepare("SELECT last_press_id AS n FROM forwarder_cursors WHERE name = 'central'").get() as { n: number } | undefined)?.n ?? 0
    const inCentral = async () => Number((await db.pg.query<{ n: string }>("SELECT count(*) AS n FROM chamdiem.presses WHERE centre_id = 'killed'"))[0].n)
    const committed = await inCentral()
    expect(committed).toBeGreaterThan(0)
    expect(cursor()).toBeLessThan(committed) // PostgreSQL has rows the gateway does not know it sent

    await g.start()
    acknowledged += await pressFrom(g.mqttPort, 'box-1', [101, 102, 103, 104, 105])
    const stored = () => (local.prepare('SELECT max(id) AS n FROM presses').get() as { n: number }).n
    await expect.poll(() => cursor() === stored(), patience('the restarted gateway to forward everything')).toBe(true)
    await g.kill('SIGTERM')

    expect(stored()).toBe(acknowledged)
    expect(await inCentral()).toBe(acknowledged)
    const report = buildReport(local, { fromMs: 0, toMs: 4_102_444_800_000, by: 'officer' })
    const own: Counts = {}
    for (const r of report.rows) own[r.key] = { positive: r.positive ?? 0, neutral: r.neutral ?? 0, negative: r.negative ?? 0 }
    expect(await centralCounts(db.pg.url(), 'killed')).toEqual(own)
    // The daily roll-ups counted the re-sent batch once too (only rows actually inserted count).
    expect(await rollupMismatches(db.pg)).toEqual([])
    const [rolled] = await db.pg.query<{ n: string }>("SELECT sum(positive + neutral + negative) AS n FROM chamdiem.daily_centres WHERE centre_id = 'killed'")
    expect(Number(rolled.n)).toBe(Object.values(own).reduce((s, c) => s + c.positive + c.neutral + c.negative, 0))
  })
})
