/**
 * The simulator's queue system against a real gateway (issue 13): it opens a window per
 * served citizen over HTTP with a token; citizens rate at virtual boxes or walk away. The
 * gateway's window report equals what the simulator recorded, exactly.
 */
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { runQueueSystem, type QueueCounter } from '../../simulator/queue-system.ts'
import { VirtualBox } from '../../simulator/virtual-box.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { startTestGateway } from '../helpers/gateway.ts'

const T0 = Date.UTC(2031, 2, 3, 2, 0, 0) // Monday 2031-03-03, 09:00 in Hà Nội
const COUNTERS = 4

describe('queue system model', () => {
  it('response rates in the report equal what the simulator recorded', async () => {
    // A clock that starts at a fixed date and runs at real speed: boxes date presses by ageMs.
    const p0 = performance.now()
    const t = await startTestGateway({ standardParts: true, now: () => T0 + Math.round(performance.now() - p0), registry: { offices: [{ id: 'hcc', name: 'HCC' }] }, config: { ingest: { cooldownMs: 0 } } })
    const reg = t.gw.registry
    const counters: QueueCounter[] = []
    for (let c = 1; c <= COUNTERS; c++) {
      reg.upsertCounter(`q${c}`, 'hcc', `Quầy ${c}`)
      reg.upsertOfficer(`o${c}`, 'hcc', `Cán bộ ${c}`)
      reg.signIn(`o${c}`, `q${c}`, T0 - 60_000)
      const secret = reg.provisionBox(`box-${c}`, { counterId: `q${c}`, at: T0 - 60_000 })
      const box = new VirtualBox({ url: t.mqttUrl, boxId: `box-${c}`, secret, cooldownMs: 0 })
      registerCleanup(() => box.stop())
      box.start()
      counters.push({ counterId: `q${c}`, box })
    }
    await expect.poll(() => counters.every((c) => c.box.isConnected), { timeout: 20_000 }).toBe(true)
    const { token } = t.gw.tokens.create({ name: 'sim queue', officeId: 'hcc', scopes: ['windows', 'read'], createdBy: 'test' })

    const tally = await runQueueSystem({ httpUrl: t.gw.httpUrl!, token, counters, citizens: 12, respondShare: 0.6, seed: 'exact', gapMs: 100 })
    expect(tally.opened).toBe(48)
    expect(tally.rated).toBeGreaterThan(10)
    expect(tally.rated).toBeLessThan(48)

    const res = await fetch(new URL('/api/reports/windows?from=2031-03-03&to=2031-03-03', t.gw.httpUrl!), { headers: { authorization: `Bearer ${token}` } })
    const report = (await res.json()) as {
      totals: { opened: number; rated: number; responseRate: number }
      byCounter: Array<{ id: string; opened: number; rated: number; responseRate: number }>
      byOfficer: Array<{ id: string; opened: number; rated: number }>
      byReference: Array<{ reference: string; windows: number; rated: number; ratings: Record<string, number> }>
    }
    expect(report.totals).toMatchObject({ opened: tally.opened, rated: tally.rated, responseRate: tally.rated / tally.opened })
    expect(report.byCounter).toEqual(Object.entries(tally.byCounter).map(([id, r]) => ({ id, ...r, responseRate: r.rated / r.opened })))
    expect(report.byOfficer.map((r) => [r.id.replace('o', 'q'), r.opened, r.rated])).toEqual(Object.entries(tally.byCounter).map(([id, r]) => [id, r.opened, r.rated]))
    const tickets = Object.fromEntries(report.byReference.map((r) => [r.reference, r.rated ? Object.entries(r.ratings).find(([, n]) => n === 1)![0] : null]))
    expect(tickets).toEqual(tally.tickets)
  })
})
