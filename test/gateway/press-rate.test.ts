/**
 * Counts a box cannot inflate: the gateway's cooldown applies whatever the box flags, presses
 * beyond a human rate are stored as bursts (not counted, alerted), a press stored with a
 * future date neither silences nor unlocks the cooldown, and reports show repeats and bursts
 * apart. A real gateway, real mqtt.js boxes.
 */
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { Alerts } from '../../gateway/alerts/alerts.ts'
import { buildReport } from '../../gateway/report.ts'
import { buildPeriodReport } from '../../gateway/reports/period-report.ts'
import { rangePeriod } from '../../gateway/reports/periods.ts'
import { reportCsv } from '../../gateway/reports/csv.ts'
import { localTime } from '../../gateway/local-time.ts'
import { silentLogger } from '../../gateway/log.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

const MONDAY_9 = Date.parse('2026-11-23T09:00:00+07:00')

type Flags = { seq: number; repeat: number; burst: number }
const flags = (db: import('../../gateway/store/database.ts').Db): Flags[] =>
  db.prepare("SELECT seq, repeat, burst FROM presses WHERE boot = 'b00t' ORDER BY seq").all() as Flags[]

describe('the gateway cooldown', () => {
  it('applies to a box that sends "repeat": false; a box may flag more repeats, never fewer', async () => {
    let clock = MONDAY_9
    const t = await startTestGateway({ registry: OFFICE, now: () => clock })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const send = async (seq: number, at: number, repeat: boolean) => {
      clock = MONDAY_9 + at
      await box.publishAsync(pressTopic('box-1'), press(seq, 'negative', { repeat }), { qos: 1 })
    }
    await send(1, 0, false)
    await send(2, 1000, false) // within 5 s: a repeat, whatever the box says
    await send(3, 4999, false)
    await send(4, 5000, false)
    await send(5, 20_000, true) // the box's own repeat is kept
    expect(flags(t.gw.db)).toEqual([
      { seq: 1, repeat: 0, burst: 0 },
      { seq: 2, repeat: 1, burst: 0 },
      { seq: 3, repeat: 1, burst: 0 },
      { seq: 4, repeat: 0, burst: 0 },
      { seq: 5, repeat: 1, burst: 0 },
    ])
  })

  it('is neither silenced nor unlocked by a press stored with a future date (the clock once ran ahead)', async () => {
    let clock = MONDAY_9
    const t = await startTestGateway({ registry: OFFICE, now: () => clock })
    // Counted two days ahead, by a clock that has since been put right.
    const ahead = MONDAY_9 + 2 * 86_400_000
    t.gw.db
      .prepare("INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms) VALUES ('box-1', 'earlier', 1, 'positive', 0, ?, 0, ?)")
      .run(ahead, ahead)
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const send = async (seq: number, at: number) => {
      clock = MONDAY_9 + at
      await box.publishAsync(pressTopic('box-1'), press(seq, 'positive', { repeat: false }), { qos: 1 })
    }
    await send(1, 0) // the future press counts as pressed just now: one cooldown at most
    await send(2, 6000) // not silenced until the clock reaches the future date
    await send(3, 7000) // and the cooldown is still on (not unlocked)
    await send(4, 12_000)
    expect(flags(t.gw.db)).toEqual([
      { seq: 1, repeat: 1, burst: 0 },
      { seq: 2, repeat: 0, burst: 0 },
      { seq: 3, repeat: 1, burst: 0 },
      { seq: 4, repeat: 0, burst: 0 },
    ])
  })
})

describe('the human rate', () => {
  it('stores 500 presses sent in a flash as at most the human rate, the rest as bursts; alerts; reports add up', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    t.gw.registry.signIn('an', 'q1')
    const { presses: limit } = t.config.ingest.burst
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const other = await t.connectBox('box-2', SECRET('box-2'))
    await Promise.all(Array.from({ length: 500 }, (_, i) => box.publishAsync(pressTopic('box-1'), press(i + 1, 'negative', { repeat: false }), { qos: 1 })))
    // Another box is judged on its own.
    await other.publishAsync(pressTopic('box-2'), press(1, 'positive'), { qos: 1 })

    const rows = t.gw.db.prepare("SELECT repeat, burst, count(*) AS n FROM presses WHERE box_id = 'box-1' GROUP BY repeat, burst ORDER BY repeat, burst").all()
    expect(rows).toEqual([
      { repeat: 0, burst: 0, n: 1 },
      { repeat: 1, burst: 0, n: limit - 1 },
      { repeat: 1, burst: 1, n: 500 - limit },
    ])
    expect(t.gw.db.prepare("SELECT repeat, burst FROM presses WHERE box_id = 'box-2'").all()).toEqual([{ repeat: 0, burst: 0 }])
    expect(t.gw.ingest.stats).toMatchObject({ bursts: 500 - limit, repeats: limit - 1 })

    const now = Date.now()
    const alerts = new Alerts({ db: t.gw.db, bus: t.gw.bus, timezone: t.config.timezone, log: silentLogger(), rules: t.config.alerts }).evaluate(now)
    expect(alerts.filter((a) => a.kind === 'burst')).toEqual([
      { kind: 'burst', officeId: 'hcc', boxId: 'box-1', counterId: 'q1', officerId: 'an', count: 500 - limit, lastAt: expect.any(Number), windowMin: 1440 },
    ])

    const report = buildReport(t.gw.db, { fromMs: now - 3_600_000, toMs: now + 60_000, by: 'officer' })
    expect(report.rows.map((r) => [r.key, r.negative, r.positive, r.total, r.repeats, r.bursts]).sort()).toEqual([
      ['an', 1, 0, 1, limit - 1, 500 - limit],
      ['unattributed', 0, 1, 1, 0, 0],
    ])
    expect(report.totals).toMatchObject({ total: 2, repeats: limit - 1, bursts: 500 - limit })
    expect(report.totals.total + report.totals.repeats + report.totals.bursts).toBe(501)
    const tz = t.config.timezone
    const days = rangePeriod(localTime(now - 3_600_000, tz).date, localTime(now + 60_000, tz).date)
    const csv = reportCsv(buildPeriodReport(t.gw.db, { period: days, timezone: tz, by: 'officer' })).split('\r\n')
    expect(csv[0]).toContain(',Tổng số,Bấm lặp (không tính),Bấm dồn dập (không tính),')
    expect(csv.find((l) => l.includes(',Tổng cộng,'))).toContain(`,2,${limit - 1},${500 - limit},`)
  })
})
