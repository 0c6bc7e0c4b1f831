/**
 * Presses over a real broker are attributed to the officer on duty at the press's time,
 * through sign-in / sign-out boundaries, the shift schedule, a sign-in overriding it, nobody
 * on duty, and a box moved to another counter mid-day.
 */
import { describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import { pressTopic } from '../../protocol/index.ts'
import { buildReport } from '../../gateway/report.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'

// Monday 23 November 2026 in Hanoi (UTC+7).
const at = (hhmm: string) => Date.parse(`2026-11-23T${hhmm}:00+07:00`)
const RATINGS = ['positive', 'neutral', 'negative'] as const

describe('attribution', () => {
  it('credits each press to the officer on duty at its time', async () => {
    let clock = at('07:00')
    const t = await startTestGateway({
      registry: {
        ...OFFICE,
        shifts: [
          { counter: 'q1', officer: 'an', days: [1, 2, 3, 4, 5], from: '08:00', to: '12:00' },
          { counter: 'q2', officer: 'binh', days: [1, 2, 3, 4, 5], from: '08:00', to: '17:00' },
        ],
      },
      now: () => clock,
    })
    const reg = t.gw.registry
    const boxes: Record<string, MqttClient> = {}
    for (const id of ['box-1', 'box-2', 'box-3']) boxes[id] = await t.connectBox(id, SECRET(id))
    const seqs: Record<string, number> = { 'box-1': 0, 'box-2': 0, 'box-3': 0 }
    const expected = new Map<string, number>() // "box officer" -> count

    /** Each box presses `n` times, 6 s apart (beyond the 5 s cooldown), starting at `time`. */
    async function phase(time: number, who: Record<string, string | null>, n = 5, ageMs = 0) {
      for (let i = 0; i < n; i++) {
        clock = time + i * 6000
        await Promise.all(
          Object.keys(who).map((box) => {
            const seq = ++seqs[box]
            return boxes[box].publishAsync(pressTopic(box), JSON.stringify({ seq, boot: 'day1', rating: RATINGS[seq % 3], ageMs }), { qos: 1 })
          }),
        )
        for (const [box, officer] of Object.entries(who)) {
          const key = `${box} ${officer ?? '-'}`
          expected.set(key, (expected.get(key) ?? 0) + 1)
        }
      }
    }

    await phase(at('07:30'), { 'box-1': null, 'box-2': null, 'box-3': null }) // before any shift
    await phase(at('08:10'), { 'box-1': 'an', 'box-2': 'binh', 'box-3': null }) // schedule; box-3 unassigned
    reg.signIn('cuong', 'q1', at('09:00'))
    await phase(at('09:00'), { 'box-1': 'cuong', 'box-2': 'binh' }) // sign-in wins over an's shift
    // Received after cuong's sign-in, but pressed 30 s before it (queued on the box).
    await phase(at('09:30') + 20_000, { 'box-1': 'cuong' }, 1, 0)
    await phase(at('09:00') + 60_000, { 'box-1': 'an' }, 1, 90_000)
    reg.signOut('cuong', at('10:00'))
    await phase(at('10:00'), { 'box-1': 'an' }) // back to the schedule
    reg.signOut('an', at('10:30'))
    await phase(at('10:30'), { 'box-1': null }) // scheduled officer left early: nobody
    reg.assignBox('box-1', 'q2', at('11:00'))
    await phase(at('11:00'), { 'box-1': 'binh', 'box-2': 'binh' }) // box moved mid-day
    await phase(at('18:00'), { 'box-1': null, 'box-2': null }) // after every shift

    const rows = t.gw.db.prepare('SELECT box_id, officer_id, count(*) AS n FROM presses GROUP BY box_id, officer_id').all() as Array<{ box_id: string; officer_id: string | null; n: number }>
    const got = new Map(rows.map((r) => [`${r.box_id} ${r.officer_id ?? '-'}`, r.n]))
    expect(got).toEqual(expected)

    const total = [...expected.values()].reduce((a, b) => a + b, 0)
    expect(t.gw.db.prepare('SELECT count(*) AS n FROM presses').get()).toEqual({ n: total })
    // The report sees the same, per officer, and adds up.
    const report = buildReport(t.gw.db, { fromMs: at('00:00'), toMs: at('23:59'), by: 'officer' })
    const perOfficer = new Map<string, number>()
    for (const [key, n] of expected) {
      const officer = key.split(' ')[1] === '-' ? 'unattributed' : key.split(' ')[1]
      perOfficer.set(officer, (perOfficer.get(officer) ?? 0) + n)
    }
    expect(new Map(report.rows.map((r) => [r.key, r.total]))).toEqual(perOfficer)
    expect(report.totals.total).toBe(total)
  })

  it('stores every press of many boxes exactly once, each at its own counter', async () => {
    const N = 20
    const M = 50
    const registry = {
      ...OFFICE,
      boxes: Array.from({ length: N }, (_, i) => ({ id: `b${i}`, counter: i % 2 ? 'q1' : 'q2', secret: SECRET(`b${i}`) })),
    }
    const t = await startTestGateway({ registry })
    t.gw.registry.signIn('an', 'q1')
    t.gw.registry.signIn('binh', 'q2')
    await Promise.all(
      registry.boxes.map(async (b) => {
        const c = await t.connectBox(b.id, SECRET(b.id))
        // All M in flight at once: the gateway groups them into few commits.
        await Promise.all(Array.from({ length: M }, (_, s) => c.publishAsync(pressTopic(b.id), JSON.stringify({ seq: s + 1, boot: 'x', rating: 'positive', ageMs: 0, repeat: false }), { qos: 1 })))
      }),
    )
    const rows = t.gw.db.prepare("SELECT officer_id, count(*) AS n, count(DISTINCT box_id || '/' || seq) AS d FROM presses GROUP BY officer_id ORDER BY officer_id").all()
    expect(rows).toEqual([
      { officer_id: 'an', n: (N / 2) * M, d: (N / 2) * M },
      { officer_id: 'binh', n: (N / 2) * M, d: (N / 2) * M },
    ])
    expect(t.gw.ingest.stats.commits).toBeLessThan(N * M)
  })
})
