/**
 * Presses received while the host clock is known bad (clock-guard.ts: not synchronised, or it
 * went backwards) are kept, flagged clock_bad in the store, shown in the live payload, in
 * reports and in /metrics, and counted unless `clock.countWhileBad` is false. The clock is the
 * gateway's test clock, stepped back an hour as an operator or a stale RTC would; the host's
 * time service answer is given to the guard (none runs in the sandbox).
 */
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { LiveQuery } from '../../gateway/http/live-query.ts'
import { buildReport } from '../../gateway/report.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

const T0 = Date.parse('2026-11-23T09:00:00+07:00')

interface Row {
  box_id: string
  repeat: number
  clock_bad: number
}

describe('presses while the clock is bad', () => {
  it('are stored flagged and counted by default, and shown in the live payload, reports and /metrics', async () => {
    let now = T0
    const t = await startTestGateway({ registry: OFFICE, now: () => now })
    const send = async (boxId: string) => {
      const box = await t.connectBox(boxId, SECRET(boxId))
      await box.publishAsync(pressTopic(boxId), press(1, 'positive'), { qos: 1 })
      await box.endAsync()
    }
    await send('box-1')
    now = T0 - 3600_000 // someone sets the clock back an hour
    t.gw.clockGuard.check()
    expect(t.gw.clockGuard.bad()).toBe(true)
    await send('box-2')
    t.gw.clockGuard.acknowledgeStep() // the operator fixed the clock
    now += 10_000
    await send('box-3')

    const rows = t.gw.db.prepare('SELECT box_id, repeat, clock_bad FROM presses ORDER BY id').all() as Row[]
    expect(rows).toEqual([
      { box_id: 'box-1', repeat: 0, clock_bad: 0 },
      { box_id: 'box-2', repeat: 0, clock_bad: 1 },
      { box_id: 'box-3', repeat: 0, clock_bad: 0 },
    ])
    const report = buildReport(t.gw.db, { fromMs: T0 - 86_400_000, toMs: T0 + 86_400_000, by: 'counter' })
    expect(report.totals).toMatchObject({ positive: 3, total: 3, clockBad: 1 })
    const live = new LiveQuery(t.gw.db, t.gw.registry, t.config.timezone).snapshot(null, now)
    expect(live.clockBadToday).toBe(1)
    expect(t.gw.metrics().find((m) => m.name === 'chamdiem_ingest_clock_bad_total')?.value).toBe(1)
  })

  it('are kept out of counts with clock.countWhileBad false, and still stored and shown', async () => {
    const t = await startTestGateway({
      registry: OFFICE,
      config: { clock: { countWhileBad: false } },
      now: () => T0,
      readClockSync: async () => ({ synchronised: false, source: 'chrony', detail: 'leap status Not synchronised' }),
    })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'negative'), { qos: 1 })
    await box.endAsync()
    expect(t.gw.db.prepare('SELECT box_id, repeat, clock_bad FROM presses').all()).toEqual([{ box_id: 'box-1', repeat: 1, clock_bad: 1 }])
    const report = buildReport(t.gw.db, { fromMs: T0 - 86_400_000, toMs: T0 + 86_400_000, by: 'counter' })
    expect(report.totals).toMatchObject({ negative: 0, total: 0, clockBad: 1 })
    expect(new LiveQuery(t.gw.db, t.gw.registry, t.config.timezone).snapshot(null, T0).clockBadToday).toBe(1)
    expect(t.gw.metrics().find((m) => m.name === 'chamdiem_ingest_clock_bad_total')?.value).toBe(1)
  })
})
