/**
 * No SQLite error in the ingest path ever crashes the gateway: a press whose pipeline step
 * meets a failing store (here a table attribution reads has gone, as a damaged page or a
 * wrong manual edit would make it) is not acknowledged, the process stays up, and once the
 * store answers again the box's resend is stored exactly once.
 */
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

describe('a store error under ingest', () => {
  it('is not acknowledged, does not crash, and the resend is stored once', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    t.gw.db.exec('ALTER TABLE box_assignments RENAME TO box_assignments_away')
    t.gw.attributor.invalidate()
    const box = await t.connectBox('box-1', SECRET('box-1'))
    box.on('error', () => undefined)
    const first = box.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    // Not acknowledged: Aedes closes the connection of a publish it was not allowed to ack.
    await expect.poll(() => box.connected, { timeout: 10_000 }).toBe(false)
    first.catch(() => undefined)
    expect(t.gw.ingest.stats.stepFailures).toBe(1)
    expect(t.gw.db.prepare('SELECT count(*) FROM presses').pluck().get()).toBe(0)
    expect(t.gw.health().ok).toBe(true)

    t.gw.db.exec('ALTER TABLE box_assignments_away RENAME TO box_assignments')
    const again = await t.connectBox('box-1', SECRET('box-1'))
    await again.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    await again.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    expect(t.gw.db.prepare("SELECT seq, counter_id FROM presses WHERE box_id = 'box-1'").all()).toEqual([{ seq: 1, counter_id: 'q1' }])
  })
})
