/**
 * Virtual boxes against a real gateway (real Aedes on a loopback port, SQLite on disk): what
 * the gateway's report says per officer equals what the simulator says it sent.
 */
import { describe, expect, it } from 'vitest'
import { createFleet } from '../../simulator/fleet.ts'
import { TrafficDriver } from '../../simulator/traffic-driver.ts'
import { SimClock, TrafficModel, VIETNAM_OFFICE_HOURS } from '../../simulator/traffic.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { compareByOfficer, pressRows, startSimOffice } from './sim-office.ts'

describe('fleet against a real gateway', () => {
  it('500 virtual boxes x 20 presses: the report per officer equals the simulator summary', async () => {
    const office = await startSimOffice({ counters: 100, boxesPerCounter: 5 })
    const fleet = await createFleet({
      url: office.tg.mqttUrl,
      boxes: office.boxes,
      seed: 'exact-500',
    })
    registerCleanup(() => fleet.close())
    expect(fleet.pressAll(20)).toBe(10_000)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    const summary = fleet.summary()
    expect(summary.totals.counted.total).toBe(10_000)
    expect(summary.totals.acked).toBe(10_000)
    const { gateway, simulator } = compareByOfficer(office, summary)
    expect(Object.keys(gateway)).toHaveLength(100)
    expect(gateway).toEqual(simulator)
    expect(pressRows(office)).toBe(10_000)
  })

  it('a box publishes a retained online status, applies the config cooldown, and leaves a retained offline will when cut', async () => {
    const office = await startSimOffice({
      counters: 1,
      boxesPerCounter: 1,
      config: { ingest: { cooldownMs: 60_000 } },
    })
    const fleet = await createFleet({ url: office.tg.mqttUrl, boxes: office.boxes, cooldownMs: 0 })
    registerCleanup(() => fleet.close())
    const box = fleet.boxes()[0]
    await expect.poll(() => box.cooldownMs, { timeout: 10_000, interval: 20 }).toBe(60_000)
    expect(box.config).toEqual({ counter: 'Quầy 1', officer: 'Cán bộ 1' })
    box.press('positive')
    box.press('negative') // within the 60 s cooldown the gateway sent: a repeat
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    const db = office.tg.gw.db
    const rows = db.prepare('SELECT seq, rating, repeat FROM presses ORDER BY seq').all()
    expect(rows).toEqual([
      { seq: 1, rating: 'positive', repeat: 0 },
      { seq: 2, rating: 'negative', repeat: 1 },
    ])
    const state = () =>
      (db.prepare('SELECT last_state AS s FROM boxes WHERE id = ?').get(box.boxId) as { s: string })
        .s
    await expect.poll(state, { timeout: 10_000, interval: 20 }).toBe('online')
    box.dropLink()
    await expect.poll(state, { timeout: 10_000, interval: 20 }).toBe('offline')
  })
})

describe('fleet driven by the traffic model', () => {
  it('citizens in simulated office hours, cooldown on the simulated clock: the report still equals the summary', async () => {
    const office = await startSimOffice({ counters: 10, boxesPerCounter: 2 })
    // Sunday evening in Ho Chi Minh City: the clock jumps to Monday 7:30 and runs 2 simulated hours a second.
    const start = Date.parse('2026-11-22T19:00:00+07:00')
    const clock = new SimClock(start, 7200)
    const model = new TrafficModel({
      counters: office.boxes.map((b, i) => ({
        boxId: b.id,
        ratePerHour: 30,
        mix: { positive: 1 + (i % 3), neutral: 1, negative: i % 4 },
      })),
      hours: VIETNAM_OFFICE_HOURS,
      seed: 11,
      startMs: start,
    })
    const fleet = await createFleet({
      url: office.tg.mqttUrl,
      boxes: office.boxes,
      clock: () => clock.now(),
    })
    registerCleanup(() => fleet.close())
    const driver = new TrafficDriver({ fleet, model, clock, presses: 12 })
    driver.start()
    await driver.done
    expect(driver.pressed).toBe(20 * 12)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    const { gateway, simulator } = compareByOfficer(office, fleet.summary())
    expect(gateway).toEqual(simulator)
  })
})

describe('fleet connections', () => {
  it('works over MQTT on WebSocket too', async () => {
    const office = await startSimOffice({ counters: 2, boxesPerCounter: 3 })
    const fleet = await createFleet({ url: office.tg.wsUrl!, boxes: office.boxes })
    registerCleanup(() => fleet.close())
    fleet.pressAll(4)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    expect(pressRows(office)).toBe(24)
  })

  it('a wrong secret is refused by the gateway, and says so', async () => {
    const office = await startSimOffice({ counters: 1, boxesPerCounter: 2 })
    const boxes = [
      office.boxes[0],
      { id: office.boxes[1].id, secret: 'not-the-right-secret-at-all' },
    ]
    await expect(
      createFleet({
        url: office.tg.mqttUrl,
        boxes,
        timeoutMs: 1500,
        backoff: { minMs: 50, maxMs: 100 },
      }),
    ).rejects.toThrow(/1 of 2 boxes not connected \(box-1-2: Connection refused: Not authorized\)/)
  })
})
