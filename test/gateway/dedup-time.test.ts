/** Deduplication on (box, boot, seq), cooldown repeats, and time = receivedAt - ageMs. */
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { buildReport } from '../../gateway/report.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

describe('deduplication', () => {
  it('stores a re-sent press once, across connections and boots', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const first = press(7, 'positive', { repeat: false })
    await box.publishAsync(pressTopic('box-1'), first, { qos: 1 })
    await box.publishAsync(pressTopic('box-1'), first, { qos: 1 })
    // In the same group commit too.
    await Promise.all([1, 2, 3].map(() => box.publishAsync(pressTopic('box-1'), press(8, 'neutral', { repeat: false }), { qos: 1 })))
    // A retransmission after a reconnect, with a larger age (it waited in the queue).
    await box.endAsync()
    const again = await t.connectBox('box-1', SECRET('box-1'))
    await again.publishAsync(pressTopic('box-1'), press(7, 'positive', { ageMs: 3000, repeat: false }), { qos: 1 })
    // Same seq after a new boot is a different press.
    await again.publishAsync(pressTopic('box-1'), JSON.stringify({ seq: 7, boot: 'other', rating: 'negative', ageMs: 0, repeat: false }), { qos: 1 })
    expect(t.gw.db.prepare('SELECT boot, seq, rating FROM presses ORDER BY id').all()).toEqual([
      { boot: 'b00t', seq: 7, rating: 'positive' },
      { boot: 'b00t', seq: 8, rating: 'neutral' },
      { boot: 'other', seq: 7, rating: 'negative' },
    ])
    expect(t.gw.ingest.stats.duplicates).toBe(4)
  })

  it('emits one live event per press, never for a duplicate', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const events: number[] = []
    t.gw.bus.on('press', 'test', (p) => events.push(p.seq))
    const box = await t.connectBox('box-1', SECRET('box-1'))
    for (const seq of [1, 1, 2, 2, 3]) await box.publishAsync(pressTopic('box-1'), press(seq, 'positive', { repeat: false }), { qos: 1 })
    expect(events).toEqual([1, 2, 3])
  })
})

describe('a group mixing new presses and an already stored one', () => {
  it('stores and announces only the new ones, each with its own row id', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const events: Array<{ id: number; seq: number }> = []
    t.gw.bus.on('press', 'test', (p) => events.push({ id: p.id, seq: p.seq }))
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive', { repeat: false }), { qos: 1 })
    // Sent together, these land in one group commit: seq 1 is a retransmission.
    await Promise.all([2, 1, 3, 4, 1].map((seq) => box.publishAsync(pressTopic('box-1'), press(seq, 'neutral', { repeat: false }), { qos: 1 })))
    const rows = t.gw.db.prepare('SELECT id, seq, rating FROM presses ORDER BY id').all() as Array<{ id: number; seq: number; rating: string }>
    expect(rows.map((r) => [r.seq, r.rating])).toEqual([
      [1, 'positive'],
      [2, 'neutral'],
      [3, 'neutral'],
      [4, 'neutral'],
    ])
    expect(events.sort((a, b) => a.seq - b.seq)).toEqual(rows.map((r) => ({ id: r.id, seq: r.seq })))
  })
})

describe('cooldown repeats', () => {
  it('stores flagged repeats and leaves them out of report counts', async () => {
    const clock = Date.parse('2026-11-23T09:00:00+07:00')
    const t = await startTestGateway({ registry: OFFICE, now: () => clock })
    t.gw.registry.signIn('an', 'q1', clock - 1000)
    const box = await t.connectBox('box-1', SECRET('box-1'))
    // A box that sends the flag: trusted as sent.
    await box.publishAsync(pressTopic('box-1'), press(1, 'negative', { repeat: false }), { qos: 1 })
    await box.publishAsync(pressTopic('box-1'), press(2, 'negative', { repeat: true }), { qos: 1 })
    const rows = t.gw.db.prepare('SELECT seq, repeat FROM presses ORDER BY seq').all()
    expect(rows).toEqual([
      { seq: 1, repeat: 0 },
      { seq: 2, repeat: 1 },
    ])
    const report = buildReport(t.gw.db, { fromMs: clock - 3600_000, toMs: clock + 3600_000, by: 'officer' })
    expect(report.rows).toMatchObject([{ key: 'an', negative: 1, total: 1, repeats: 1 }])
  })

  it('applies the gateway’s own cooldown to boxes that do not send the flag', async () => {
    let clock = Date.parse('2026-11-23T09:00:00+07:00')
    const t = await startTestGateway({ registry: OFFICE, now: () => clock, config: { ingest: { cooldownMs: 5000 } } })
    const box = await t.connectBox('box-2', SECRET('box-2'))
    const send = async (seq: number, atOffset: number) => {
      clock = Date.parse('2026-11-23T09:00:00+07:00') + atOffset
      await box.publishAsync(pressTopic('box-2'), press(seq, 'positive'), { qos: 1 })
    }
    await send(1, 0) // counted
    await send(2, 1000) // within 5 s of #1: repeat
    await send(3, 4999) // still within 5 s of the last counted (#1): repeat
    await send(4, 5000) // 5 s after #1: counted
    await send(5, 20_000) // counted
    expect(t.gw.db.prepare('SELECT seq, repeat FROM presses ORDER BY seq').all()).toEqual([
      { seq: 1, repeat: 0 },
      { seq: 2, repeat: 1 },
      { seq: 3, repeat: 1 },
      { seq: 4, repeat: 0 },
      { seq: 5, repeat: 0 },
    ])
  })
})

describe('timestamps', () => {
  it('dates a press at receivedAt - ageMs and keeps both', async () => {
    const clock = Date.parse('2026-11-23T10:00:00+07:00')
    const t = await startTestGateway({ registry: OFFICE, now: () => clock })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive', { ageMs: 0 }), { qos: 1 })
    await box.publishAsync(pressTopic('box-1'), press(2, 'neutral', { ageMs: 3_600_000 }), { qos: 1 })
    expect(t.gw.db.prepare('SELECT seq, received_at, age_ms, time_ms FROM presses ORDER BY seq').all()).toEqual([
      { seq: 1, received_at: clock, age_ms: 0, time_ms: clock },
      { seq: 2, received_at: clock, age_ms: 3_600_000, time_ms: clock - 3_600_000 },
    ])
  })
})
