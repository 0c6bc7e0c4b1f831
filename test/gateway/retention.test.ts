/**
 * Retention as configured: raw payloads of old rejected messages are cleared (the rows and
 * reasons stay), old presses are deleted only past `pressesDays` and only once the InfluxDB
 * forwarder has shipped them; presses are kept forever by default.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Retention } from '../../gateway/store/retention.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'

const NOW = Date.parse('2026-11-23T09:00:00+07:00')
const DAY = 86_400_000

/** 5 presses and 5 rejected messages at each age: 1, 100 and 400 days old. */
function seed(dataDir: string): void {
  const db = openDatabase(join(dataDir, 'chamdiem.db'))
  const press = db.prepare("INSERT INTO presses (box_id, boot, seq, rating, received_at, age_ms, time_ms) VALUES ('box-1', 'b', ?, 'positive', ?, 0, ?)")
  const rejected = db.prepare("INSERT INTO rejected (box_id, topic, received_at, reason, raw) VALUES ('box-1', 't', ?, 'validate: not JSON', ?)")
  let seq = 0
  for (const days of [400, 100, 1]) {
    for (let i = 0; i < 5; i++) {
      const t = NOW - days * DAY + i
      press.run(++seq, t, t)
      rejected.run(t, Buffer.from('garbage'))
    }
  }
  db.close()
}

function counts(t: Awaited<ReturnType<typeof startTestGateway>>) {
  const db = t.gw.db
  return {
    presses: db.prepare('SELECT count(*) FROM presses').pluck().get(),
    rejected: db.prepare('SELECT count(*) FROM rejected').pluck().get(),
    payloads: db.prepare('SELECT count(*) FROM rejected WHERE length(raw) > 0').pluck().get(),
  }
}

describe('retention', () => {
  it('clears old rejected payloads and keeps every press by default', async () => {
    const dataDir = tempDir('chamdiem-ret-')
    seed(dataDir)
    const t = await startTestGateway({ dataDir, registry: OFFICE, standardParts: true, config: { http: { enabled: false } }, now: () => NOW })
    await t.gw.part<Retention>('retention')!.runNow()
    expect(counts(t)).toEqual({ presses: 15, rejected: 15, payloads: 5 })
  })

  it('deletes presses past pressesDays, but never one the forwarder has not shipped', async () => {
    const dataDir = tempDir('chamdiem-ret-')
    seed(dataDir)
    const t = await startTestGateway({
      dataDir,
      registry: OFFICE,
      standardParts: true,
      // InfluxDB is configured but unreachable: nothing shipped, so nothing may be deleted.
      config: { http: { enabled: false }, retention: { pressesDays: 365, rejectedPayloadDays: 30 }, influx: { api: 'v1', url: 'http://127.0.0.1:9' } },
      now: () => NOW,
    })
    const retention = t.gw.part<Retention>('retention')!
    await retention.runNow()
    expect(counts(t)).toEqual({ presses: 15, rejected: 15, payloads: 5 })
    // The forwarder has shipped the first 3 presses (all 400 days old): those 3 go.
    t.gw.db.prepare("INSERT OR REPLACE INTO forwarder_cursors (name, last_press_id, updated_at) VALUES ('influx', 3, ?)").run(NOW)
    await retention.runNow()
    expect(counts(t).presses).toBe(12)
    t.gw.db.prepare("UPDATE forwarder_cursors SET last_press_id = 15 WHERE name = 'influx'").run()
    await retention.runNow()
    expect(counts(t).presses).toBe(10) // the 100- and 1-day-old presses stay
    expect(t.gw.metrics().find((m) => m.name === 'chamdiem_retention_presses_deleted_total')?.value).toBe(5)
  })
})
