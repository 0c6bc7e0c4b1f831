/**
 * Three centres' gateways forwarding at once into one real PostgreSQL 15, stopped for a whole
 * minute in the middle (issue 18, item 7) while the centres keep serving: every acknowledged
 * press arrives once, and the province's per-officer counts equal each gateway's own report
 * exactly.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { rollupMismatches, startCentralDb, type CentralDb } from './central-db.ts'
import { PressingBox, RATINGS, centralCounts, centralStatus, forwarder, localCounts, startCentreGateway } from './centre-gateway.ts'

let db: CentralDb
beforeAll(async () => {
  db = await startCentralDb()
})

const patience = (what: string) => ({ timeout: 60_000, interval: 100, message: what })
/** How long PostgreSQL stays down in the outage test: "stopped for a minute mid-stream". */
const OUTAGE_MS = 60_000

describe('central forwarder', () => {
  // Three gateways, a minute's outage and a drain: slow on a loaded machine.
  it('three centres at once, PostgreSQL stopped for a minute mid-stream: nothing lost, nothing doubled, counts equal the gateways\' own', { timeout: 240_000 }, async () => {
    const centres = ['phuong-1', 'phuong-2', 'xa-3']
    const urls = await Promise.all(centres.map((c) => db.addCentre(c)))
    const gateways = await Promise.all(centres.map((c, i) => startCentreGateway(urls[i], c)))
    const boxes = await Promise.all(gateways.map(async (g) => [await PressingBox.connect(g, 'box-1'), await PressingBox.connect(g, 'box-2'), await PressingBox.connect(g, 'box-3')]))

    let n = 0
    const pressRound = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await Promise.all(boxes.flat().map((b, j) => b.press(RATINGS[(n + j + i) % 3])))
      }
      n++
    }
    await pressRound(20)
    await expect.poll(() => centralStatus(gateways[0])?.pressesWritten ?? 0, patience('some presses forwarded')).toBeGreaterThan(0)

    // The WAN (or the database) goes away while the centres keep serving citizens.
    await db.pg.stop()
    const down = Date.now()
    await pressRound(30)
    await expect.poll(() => gateways.map((g) => centralStatus(g)?.state), patience('every forwarder to notice')).toEqual(['retrying', 'retrying', 'retrying'])
    // Citizens keep pressing all through the minute; the forwarders keep retrying (an outage
    // is not a refusal) and the gateways stay healthy.
    while (Date.now() - down < OUTAGE_MS) {
      await pressRound(1)
      for (const g of gateways) {
        expect(centralStatus(g)!.state).toBe('retrying')
        expect(g.gw.health().ok).toBe(true)
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, Math.max(0, OUTAGE_MS - (Date.now() - down)))))
    }
    for (const g of gateways) {
      const s = centralStatus(g)!
      expect(s.backlog).toBeGreaterThan(0)
      // Tried all minute long, never waiting more than maxBackoffMs (500 ms here) between tries.
      expect(s.consecutiveFailures).toBeGreaterThan(OUTAGE_MS / 500 / 3)
      expect(s.lastError?.message).toMatch(/cannot reach PostgreSQL|PostgreSQL error/)
    }
    expect(Date.now() - down).toBeGreaterThanOrEqual(OUTAGE_MS)
    await db.pg.start()
    await pressRound(20)
    await Promise.all(gateways.map((g) => forwarder(g).drained(60_000)))

    for (const [i, g] of gateways.entries()) {
      expect(centralStatus(g)).toMatchObject({ state: 'ok', backlog: 0, centre: centres[i] })
      const acknowledged = boxes[i].reduce((s, b) => s + b.acknowledged.length, 0)
      const [central] = await db.pg.query<{ n: string; distinct: string }>(
        "SELECT count(*) AS n, count(DISTINCT (box_id, boot, seq)) AS distinct FROM chamdiem.presses WHERE centre_id = $1",
        [centres[i]],
      )
      expect(Number(central.n)).toBe(acknowledged)
      expect(Number(central.distinct)).toBe(acknowledged)
      // Per officer, exactly the gateway's own report (an: q1, binh: q2, box-3 unattributed).
      const local = localCounts(g)
      expect(Object.keys(local).sort()).toEqual(['an', 'binh', 'unattributed'])
      expect(await centralCounts(db.pg.url(), centres[i])).toEqual(local)
    }
    // The daily roll-ups the rankings read are in step with the presses, outage and all.
    expect(await rollupMismatches(db.pg)).toEqual([])
    // The registry travelled with its names and history, keyed by centre.
    const counters = await db.pg.query("SELECT centre_id, id, name FROM chamdiem.counters WHERE id = 'q1' ORDER BY centre_id")
    expect(counters).toEqual(centres.map((c) => ({ centre_id: c, id: 'q1', name: 'Quầy 1' })))
    const shifts = await db.pg.query<{ n: string }>("SELECT count(*) AS n FROM chamdiem.shifts WHERE centre_id = 'xa-3' AND removed_at IS NULL")
    expect(Number(shifts[0].n)).toBe(14)
    const assignments = await db.pg.query("SELECT box_id, counter_id FROM chamdiem.box_assignments WHERE centre_id = 'xa-3' ORDER BY box_id")
    expect(assignments).toEqual([{ box_id: 'box-1', counter_id: 'q1' }, { box_id: 'box-2', counter_id: 'q2' }])
    // /metrics says the same.
    const samples = gateways[2].gw.metrics().filter((m) => m.name === 'chamdiem_central_state' && m.value === 1)
    expect(samples.map((s) => s.labels)).toEqual([{ centre: 'xa-3', state: 'ok' }])
  })

  it('a duty change at the centre reaches the province', async () => {
    const url = await db.addCentre('duty-centre')
    const g = await startCentreGateway(url, 'duty-centre')
    await forwarder(g).drained()
    g.gw.registry.removeShift((g.gw.db.prepare("SELECT id FROM shifts WHERE officer_id = 'binh' LIMIT 1").get() as { id: number }).id)
    await expect
      .poll(async () => Number((await db.pg.query<{ n: string }>("SELECT count(*) AS n FROM chamdiem.shifts WHERE centre_id = 'duty-centre' AND removed_at IS NOT NULL"))[0].n), patience('the removed shift to be marked'))
      .toBe(1)
  })

  it('wrong password, missing schema, a role of another centre: stopped with the reason, the backlog kept, local ingest goes on', async () => {
    const good = await db.addCentre('c-bad')
    const wrongPassword = good.replace(/:[^:@]*@/, ':not-the-password@')
    await db.pg.query('CREATE DATABASE empty')
    const noSchema = good.replace(/\/chamdiem$/, '/empty')
    const cases = [
      { url: wrongPassword, centre: 'c-bad', reason: /authentication failed/ },
      { url: noSchema, centre: 'c-bad', reason: /central schema is missing.*chamdiem central migrate/ },
      { url: good, centre: 'someone-else', reason: /forwards for centre c-bad, not someone-else/ },
    ]
    for (const c of cases) {
      const g = await startCentreGateway(c.url, c.centre)
      const box = await PressingBox.connect(g, 'box-1')
      await box.press('positive')
      await expect.poll(() => centralStatus(g)?.state, patience('the forwarder to stop')).toBe('stopped')
      const status = centralStatus(g)!
      expect(status.lastError?.message).toMatch(c.reason)
      expect(status.target).not.toContain('not-the-password')
      // Local ingest is untouched: the press is stored and counted, and waits in the backlog.
      await box.press('negative')
      expect(localCounts(g).an).toEqual({ positive: 1, neutral: 0, negative: 1 })
      expect(status.backlog).toBeGreaterThanOrEqual(1)
      expect(g.gw.health().ok).toBe(true)
      await g.stop()
    }
    const [none] = await db.pg.query<{ n: string }>("SELECT count(*) AS n FROM chamdiem.presses WHERE centre_id = 'c-bad'")
    expect(Number(none.n)).toBe(0)
  })

  it('a multi-host URL with the first host down (and a read-only one) fails over without a config change', async () => {
    const url = new URL(await db.addCentre('multi'))
    // A closed port first; the real server last.
    const closed = await import('../helpers/ports.ts').then((p) => p.freePort())
    const multi = `postgres://${url.username}:${url.password}@127.0.0.1:${closed},127.0.0.1:${url.port}${url.pathname}?target_session_attrs=read-write`
    const g = await startCentreGateway(multi, 'multi')
    const box = await PressingBox.connect(g, 'box-1')
    for (const r of RATINGS) await box.press(r)
    await forwarder(g).drained()
    expect(centralStatus(g)).toMatchObject({ state: 'ok', connectedTo: `127.0.0.1:${url.port}` })
    expect(await centralCounts(db.pg.url(), 'multi')).toEqual({ an: { positive: 1, neutral: 1, negative: 1 } })

    // A server that only reads (as a streaming replica does) is skipped with read-write.
    const { connectCentral } = await import('../../gateway/central/connect.ts')
    await db.pg.query(`ALTER ROLE ${url.username} SET default_transaction_read_only = on`)
    try {
      await expect(connectCentral({ url: multi, connectTimeoutMs: 2000, applicationName: 't' }, pg.Client, () => false)).rejects.toThrow(/read-only/)
    } finally {
      await db.pg.query(`ALTER ROLE ${url.username} RESET default_transaction_read_only`)
    }
  })
})
