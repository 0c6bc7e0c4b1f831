/**
 * Each fault switched on during a run against a real gateway: the counts per officer still
 * match exactly (nothing lost, nothing counted twice) and garbage lands in the rejected table.
 */
import { describe, expect, it } from 'vitest'
import { createFleet, type Fleet } from '../../simulator/fleet.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { startFlakyProxy } from './flaky-proxy.ts'
import {
  compareByOfficer,
  freePort,
  pressRows,
  rejectedCount,
  restartGateway,
  startSimOffice,
  type SimOffice,
} from './sim-office.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function run(
  opts: { seed: string } = { seed: 'faults' },
): Promise<{ office: SimOffice; fleet: Fleet }> {
  const office = await startSimOffice({ counters: 20, boxesPerCounter: 5 })
  const fleet = await createFleet({
    url: office.tg.mqttUrl,
    boxes: office.boxes,
    seed: opts.seed,
    backoff: { minMs: 20, maxMs: 200 },
  })
  registerCleanup(() => fleet.close())
  return { office, fleet }
}

/** Presses in rounds, so that timed faults fall in the middle of the traffic. */
async function pressInRounds(fleet: Fleet, rounds: number, perRound: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    fleet.pressAll(perRound)
    await sleep(40)
  }
}

function expectExact(office: SimOffice, fleet: Fleet): void {
  const summary = fleet.summary()
  const { gateway, simulator } = compareByOfficer(office, summary)
  expect(gateway).toEqual(simulator)
  // Every press the boxes made is one row: none lost, none stored twice.
  expect(pressRows(office)).toBe(summary.totals.presses)
  expect(summary.totals.acked).toBe(summary.totals.presses)
}

describe('faults during a run', () => {
  it('dropped links: presses queue offline with a growing ageMs and all arrive once restored', async () => {
    const { office, fleet } = await run()
    await pressInRounds(fleet, 3, 2)
    const dropped = fleet.faults.dropLinks(0.3)
    expect(dropped).toHaveLength(30)
    await pressInRounds(fleet, 3, 2)
    await sleep(400)
    const waiting = fleet.summary().totals.queued
    expect(waiting).toBeGreaterThanOrEqual(30 * 6)
    expect(fleet.faults.restoreLinks()).toHaveLength(30)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    expectExact(office, fleet)
    const oldest = office.tg.gw.db
      .prepare(
        `SELECT MAX(age_ms) AS a FROM presses WHERE box_id IN (${dropped.map(() => '?').join(',')})`,
      )
      .get(...dropped) as { a: number }
    expect(oldest.a).toBeGreaterThanOrEqual(400)
  })

  it('killed broker connections: boxes reconnect and resend, nothing lost or doubled', async () => {
    const { office, fleet } = await run()
    fleet.faults.set({ kill: { fraction: 0.2, everyMs: 60 } })
    await pressInRounds(fleet, 12, 3)
    fleet.faults.set({ kill: null })
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    expect(fleet.summary().totals.disconnects).toBeGreaterThan(0)
    expectExact(office, fleet)
  })

  it('link flaps from the fault plan (drop for a while, then restore) keep the counts exact', async () => {
    const { office, fleet } = await run()
    fleet.faults.set({ linkFlap: { fraction: 0.25, everyMs: 80, downMs: 120 } })
    await pressInRounds(fleet, 10, 3)
    fleet.faults.set({ linkFlap: null })
    await sleep(200)
    fleet.faults.restoreLinks()
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    expectExact(office, fleet)
  })

  it('a PUBACK lost with its connection: the box resends the same (boot, seq) and the gateway stores it once', async () => {
    const office = await startSimOffice({ counters: 1, boxesPerCounter: 1 })
    const proxy = await startFlakyProxy({ host: '127.0.0.1', port: office.tg.gw.mqttPort })
    const fleet = await createFleet({
      url: proxy.url,
      boxes: office.boxes,
      backoff: { minMs: 20, maxMs: 100 },
    })
    registerCleanup(() => fleet.close())
    const box = fleet.boxes()[0]
    // Let the online status be acknowledged first, so the PUBACK we lose is the press's.
    await sleep(200)
    proxy.losePubackOnce()
    const rec = box.press('negative')
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    expect(proxy.pubacksLost).toBe(1)
    expect(box.stats.resends).toBe(1)
    const rows = office.tg.gw.db.prepare('SELECT boot, seq, rating FROM presses').all()
    expect(rows).toEqual([{ boot: box.boot, seq: rec.seq, rating: 'negative' }])
    expect(office.tg.gw.ingest.stats.duplicates).toBe(1)
  })

  it('duplicate sends are stored once', async () => {
    const { office, fleet } = await run()
    fleet.faults.set({ duplicateRate: 0.5 })
    await pressInRounds(fleet, 4, 3)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    const dups = fleet.summary().totals.duplicates
    expect(dups).toBeGreaterThan(0)
    expect(office.tg.gw.ingest.stats.duplicates).toBeGreaterThanOrEqual(dups)
    expectExact(office, fleet)
  })

  it('garbage payloads (not JSON, wrong schema, unknown rating, oversize) are acknowledged and counted as rejected', async () => {
    const { office, fleet } = await run()
    fleet.faults.set({ garbageRate: 0.1 })
    await pressInRounds(fleet, 3, 3)
    fleet.faults.sendGarbage(8)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    const summary = fleet.summary()
    expect(summary.totals.garbage).toBeGreaterThan(8)
    expect(summary.totals.garbageAcked).toBe(summary.totals.garbage)
    expect(rejectedCount(office)).toBe(summary.totals.garbage)
    const reasons = (
      office.tg.gw.db.prepare('SELECT reason FROM rejected').all() as Array<{ reason: string }>
    )
      .map((r) => r.reason)
      .join('\n')
    expect(reasons).toMatch(/not JSON/)
    expect(reasons).toMatch(/rating/)
    expect(reasons).toMatch(/bytes/)
    expect(reasons).toMatch(/\/seq|\/boot/)
    expectExact(office, fleet)
  })

  it('late delivery (ageMs of an hour) is dated back and still attributed', async () => {
    const { office, fleet } = await run()
    fleet.faults.set({ lateRate: 0.25, lateMs: 3_600_000 })
    await pressInRounds(fleet, 3, 3)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    const late = fleet.summary().totals.late
    expect(late).toBeGreaterThan(0)
    const stored = office.tg.gw.db
      .prepare(
        'SELECT COUNT(*) AS n FROM presses WHERE age_ms >= 3600000 AND officer_id IS NOT NULL',
      )
      .get() as { n: number }
    expect(stored.n).toBe(late)
    expectExact(office, fleet)
  })

  it('press floods beyond the cooldown become repeats, left out of the counts', async () => {
    const { office, fleet } = await run()
    fleet.faults.set({ floodRate: 0.2, floodBurst: 3 })
    await pressInRounds(fleet, 3, 2)
    fleet.faults.set({ floodRate: 0 })
    fleet.faults.flood(0.5, 4)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    const t = fleet.summary().totals
    expect(t.repeats.total).toBeGreaterThan(50 * 3)
    expect(office.tg.gw.ingest.stats.repeats).toBe(t.repeats.total)
    expectExact(office, fleet)
  })

  it('a gateway restart in the middle of a run: boxes reconnect, what was acknowledged stays, the rest is resent', async () => {
    const office = await startSimOffice({
      counters: 20,
      boxesPerCounter: 5,
      mqttPort: await freePort(),
    })
    const fleet = await createFleet({
      url: office.tg.mqttUrl,
      boxes: office.boxes,
      seed: 'restart',
      backoff: { minMs: 20, maxMs: 200 },
    })
    registerCleanup(() => fleet.close())
    await pressInRounds(fleet, 3, 3)
    await restartGateway(office, { downMs: 300 })
    await pressInRounds(fleet, 3, 3)
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    expect(fleet.summary().totals.disconnects).toBeGreaterThanOrEqual(100)
    expectExact(office, fleet)
  })

  it('every fault at once', async () => {
    const { office, fleet } = await run({ seed: 'chaos' })
    fleet.faults.set({
      duplicateRate: 0.2,
      lateRate: 0.1,
      lateMs: 1_800_000,
      floodRate: 0.05,
      floodBurst: 3,
      kill: { fraction: 0.1, everyMs: 70 },
      linkFlap: { fraction: 0.1, everyMs: 90, downMs: 100 },
    })
    await pressInRounds(fleet, 10, 2)
    fleet.faults.set({ kill: null, linkFlap: null })
    await sleep(150)
    fleet.faults.restoreLinks()
    await fleet.waitAllAcked({ timeoutMs: 30_000 })
    expectExact(office, fleet)
  })
})
