/**
 * The shift grid's API: a counter's whole week saved in one submit, checked, all or nothing;
 * "copy a week" (another counter's week taken into this one's grid, officers changed, saved);
 * and a press at a scheduled time credited to that officer through the real ingest path.
 */
import { describe, expect, it } from 'vitest'
import { startTestApp } from './app-helper.ts'
import { localMidnight } from '../../gateway/local-time.ts'

const TZ = 'Asia/Ho_Chi_Minh'
// 2026-08-10 is a Monday (weekday 1, Thứ Hai); 09:00 in the office's zone.
const MONDAY_9 = localMidnight('2026-08-10', TZ) + 9 * 3600_000
const week = (officer: string) => [
  { weekday: 1, officer, from: '07:30', to: '11:30' },
  { weekday: 1, officer, from: '13:30', to: '17:00' },
  { weekday: 2, officer, from: '07:30', to: '11:30' },
]

describe('PUT /api/shifts/week/:counter', () => {
  it('replaces the counter\'s week; a press in a shift goes to its officer', async () => {
    let now = MONDAY_9
    const t = await startTestApp({ now: () => now })
    const head = await t.login('head')
    // An old schedule that the new week replaces entirely.
    expect((await head.request('POST', '/api/shifts', { counter: 'q1', officer: 'an', weekday: 1, from: '08:00', to: '12:00' })).statusCode).toBe(201)
    const saved = await head.request('PUT', '/api/shifts/week/q1', { shifts: week('binh') })
    expect(saved.statusCode).toBe(200)
    expect(saved.json().shifts.map((s: { weekday: number; officerId: string; from: string; to: string }) => `${s.weekday} ${s.from}-${s.to} ${s.officerId}`)).toEqual([
      '1 07:30-11:30 binh',
      '1 13:30-17:00 binh',
      '2 07:30-11:30 binh',
    ])
    await t.pressAs('box-1', 1, 'positive')
    now = MONDAY_9 + 3 * 3600_000 // 12:00, between the shifts: nobody
    await t.pressAs('box-1', 2, 'positive')
    now = MONDAY_9 + 5 * 3600_000 // 14:00, the afternoon shift
    await t.pressAs('box-1', 3, 'positive')
    const rows = t.db.prepare("SELECT seq, officer_id FROM presses WHERE box_id = 'box-1' ORDER BY seq").all()
    expect(rows).toEqual([
      { seq: 1, officer_id: 'binh' },
      { seq: 2, officer_id: null },
      { seq: 3, officer_id: 'binh' },
    ])
  })

  it('copy a week: q1\'s week into q2 with another officer; the same officer at both is refused, nothing written', async () => {
    const t = await startTestApp({ now: () => MONDAY_9 })
    const admin = await t.login('admin')
    expect((await admin.request('PUT', '/api/shifts/week/q1', { shifts: week('an') })).statusCode).toBe(200)
    const q1 = (await admin.request('GET', '/api/shifts')).json().shifts.filter((s: { counterId: string }) => s.counterId === 'q1')
    const copy = q1.map((s: { weekday: number; from: string; to: string }) => ({ weekday: s.weekday, officer: 'an', from: s.from, to: s.to }))
    const refused = await admin.request('PUT', '/api/shifts/week/q2', { shifts: copy })
    expect(refused.statusCode).toBe(400)
    expect(refused.json()).toMatchObject({ code: 'OFFICER_DOUBLE_BOOKED', params: { officer: 'an', counter: 'q1', weekday: 1, from: '07:30', to: '11:30' } })
    expect(t.registry.shifts('q2')).toEqual([])
    const ok = await admin.request('PUT', '/api/shifts/week/q2', { shifts: copy.map((s: object) => ({ ...s, officer: 'cuong' })) })
    expect(ok.statusCode).toBe(200)
    expect(t.registry.shifts('q2').map((s) => [s.weekday, s.startMin, s.endMin, s.officerId])).toEqual(t.registry.shifts('q1').map((s) => [s.weekday, s.startMin, s.endMin, 'cuong']))
    await t.pressAs('box-2', 1, 'negative')
    expect(t.db.prepare("SELECT officer_id FROM presses WHERE box_id = 'box-2'").get()).toEqual({ officer_id: 'cuong' })
  })

  it('refuses overlaps, bad weekdays, officers of another office and other offices\' counters, keeping the old week', async () => {
    const t = await startTestApp({ now: () => MONDAY_9 })
    const head = await t.login('head')
    expect((await head.request('PUT', '/api/shifts/week/q1', { shifts: week('an') })).statusCode).toBe(200)
    const before = t.registry.shifts('q1')
    const bad: Array<[unknown, number, object]> = [
      [[...week('an'), { weekday: 1, officer: 'binh', from: '11:00', to: '12:00' }], 400, { code: 'SHIFT_OVERLAP', params: { weekday: 1 } }],
      [[{ weekday: 8, officer: 'an', from: '07:30', to: '11:30' }], 400, { code: 'INVALID_REQUEST' }],
      [[{ weekday: 0, officer: 'an', from: '07:30', to: '11:30' }], 400, { code: 'INVALID_REQUEST' }],
      [[{ weekday: 3, officer: 'an', from: '11:30', to: '07:30' }], 400, { code: 'INVALID_SHIFT' }],
      [[{ weekday: 3, officer: 'dung', from: '07:30', to: '11:30' }], 400, { code: 'OFFICER_OTHER_OFFICE' }],
      [[{ weekday: 3, officer: 'nobody-here', from: '07:30', to: '11:30' }], 404, { code: 'UNKNOWN_OFFICER' }],
    ]
    for (const [shifts, status, body] of bad) {
      const res = await head.request('PUT', '/api/shifts/week/q1', { shifts })
      expect(res.statusCode, JSON.stringify(shifts)).toBe(status)
      expect(res.json()).toMatchObject(body)
    }
    expect(t.registry.shifts('q1')).toEqual(before)
    expect((await head.request('PUT', '/api/shifts/week/x1', { shifts: [] })).json().code).toBe('OTHER_OFFICE')
    expect((await head.request('PUT', '/api/shifts/week/nope', { shifts: [] })).json().code).toBe('UNKNOWN_COUNTER')
    // An empty week clears the counter's schedule.
    expect((await head.request('PUT', '/api/shifts/week/q1', { shifts: [] })).json().shifts).toEqual([])
  })
})
