/**
 * The tampering signals of the rating-window report as alerts (alerts/tampering.ts), against a
 * real gateway with real presses through the ingest pipeline and a frozen clock: each signal
 * raises its alert once, with counter, officer and figures; it is acknowledged and its history
 * kept like any alert; the thresholds come from the alert rules; an office that never opens a
 * window gets none of them, however its presses look.
 */
import { describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../http/app-helper.ts'
import { alertMail } from '../../gateway/alerts/messages.ts'
import type { AlertRecord } from '../../gateway/alerts/history.ts'
import type { Alert } from '../../gateway/alerts/alerts.ts'

const T0 = Date.UTC(2031, 2, 3, 2, 0, 0) // Monday 2031-03-03, 09:00 in Hà Nội
const DAY = '2031-03-03'

const tampering = (t: TestApp) => t.gw.alerts!.refresh().filter((a): a is Extract<Alert, { kind: 'tampering' }> => a.kind === 'tampering')

describe('tampering alerts', () => {
  it('each signal raises its alert once, with counter, officer and figures; an office without windows raises none', async () => {
    const clock = { ms: T0 }
    const t = await startTestApp({ now: () => clock.ms, config: { alerts: { system: false } } })
    const windows = t.gw.windows
    const step = (ms: number) => {
      clock.ms += ms
      windows.expire()
    }
    let seq2 = 1
    let seqX = 1

    // Office "other" never opens a window: six presses in a burst, with nobody on duty, all
    // outside any window. In the window report they would be a burst and presses outside shifts.
    for (let i = 0; i < 6; i++) {
      await t.pressAs('box-x', seqX++, 'positive')
      step(1000)
    }
    expect(tampering(t)).toEqual([])

    // q1 works as meant: An on duty, two windows, both rated.
    t.registry.signIn('an', 'q1', clock.ms)
    for (let i = 1; i <= 2; i++) {
      const w = windows.openWindow({ counterId: 'q1', reference: `HS-${i}`, by: 'user:test' })
      step(5000)
      await t.pressAs('box-1', i, 'positive', { window: w.id })
      step(5000)
    }
    expect(tampering(t)).toEqual([])

    // q2: Bình on duty opens six windows that time out unrated.
    t.registry.signIn('binh', 'q2', clock.ms)
    const runFrom = clock.ms
    for (let i = 0; i < 6; i++) {
      windows.openWindow({ counterId: 'q2', by: 'user:test' })
      step(61_000)
    }
    const run = tampering(t)
    expect(run).toEqual([
      expect.objectContaining({ kind: 'tampering', state: 'open', raisedAt: clock.ms, officeId: 'hcc', counterId: 'q2', officerId: 'binh', day: DAY,
        signal: { kind: 'unratedRun', counterId: 'q2', officerId: 'binh', windows: 6, from: runFrom, to: runFrom + 5 * 61_000 } }),
    ])

    // Then five "Rất hài lòng" a second apart, no window: a burst, and presses with no window
    // at a counter that uses windows (five of five).
    const burstFrom = clock.ms
    for (let i = 0; i < 5; i++) {
      await t.pressAs('box-2', seq2++, 'positive')
      step(1000)
    }
    const afterBurst = tampering(t)
    expect(afterBurst.map((a) => a.signal)).toEqual([
      { kind: 'noWindowPresses', counterId: 'q2', officerId: 'binh', presses: 5, share: 1 },
      run[0].signal,
      { kind: 'ratingBurst', counterId: 'q2', officerId: 'binh', rating: 'positive', presses: 5, from: burstFrom, to: burstFrom + 4000 },
    ])
    expect(afterBurst.filter((a) => a.signal.kind !== 'unratedRun').map((a) => a.raisedAt)).toEqual([clock.ms, clock.ms])

    // Bình leaves; a press with nobody on duty, a minute later (no longer the burst).
    t.registry.signOut('binh', clock.ms)
    step(60_000)
    await t.pressAs('box-2', seq2++, 'neutral')
    step(1000)
    const all = tampering(t)
    expect(all.map((a) => [a.signal.kind, a.officerId])).toEqual([
      ['noWindowPresses', 'binh'],
      ['unratedRun', 'binh'],
      ['ratingBurst', 'binh'],
      ['outsideShift', null],
    ])
    // Each raised once: the no-window alert is the same alert, its figures those of when raised.
    expect(all.slice(0, 3).map((a) => a.id)).toEqual(afterBurst.map((a) => a.id))
    expect(all[3].signal).toEqual({ kind: 'outsideShift', counterId: 'q2', officerId: null, presses: 1 })
    expect(new Set(all.map((a) => a.id)).size).toBe(4)

    // Through the API as a head sees them: the record of the day has these four and only these.
    const head = await t.login('head')
    const listed = (await head.request('GET', `/api/alerts?from=${DAY}&to=${DAY}`)).json().alerts as AlertRecord[]
    expect(listed.filter((a) => a.kind === 'tampering').map((a) => a.id).sort()).toEqual(all.map((a) => a.id).sort())
    expect(listed.some((a) => a.officeId === 'other')).toBe(false)
    const head2 = await t.login('head2')
    expect(((await head2.request('GET', '/api/alerts')).json().alerts as AlertRecord[]).filter((a) => a.kind === 'tampering')).toEqual([])

    // Acknowledged with a comment like any alert; resolved when the day is over, with its history.
    const burst = all[2]
    const ack = await head.request('POST', `/api/alerts/${burst.id}/ack`, { comment: 'Đã xem camera: một người bấm nhiều lần' })
    expect(ack.statusCode, ack.body).toBe(200)
    const ackAt = clock.ms
    expect(ack.json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'head', counterId: 'q2', officerId: 'binh' })
    clock.ms = T0 + 24 * 3600_000
    expect(tampering(t)).toEqual([])
    const nextDay = await t.login('head')
    const record = (await nextDay.request('GET', `/api/alerts/${burst.id}`)).json() as AlertRecord
    expect(record.history).toEqual([
      { event: 'raised', at: burst.raisedAt, user: null, comment: null },
      { event: 'acknowledged', at: ackAt, user: 'head', comment: 'Đã xem camera: một người bấm nhiều lần' },
      { event: 'resolved', at: clock.ms, user: null, comment: null },
    ])

    // The mail (and webhook summary) says what and the figures, in Vietnamese.
    const names = { office: () => 'Trung tâm', counter: (id: string | null) => (id === 'q2' ? 'Quầy 2' : id), officer: (id: string | null) => (id === 'binh' ? 'Trần Thị Bình' : id) }
    const mail = alertMail(record, names, 'Asia/Ho_Chi_Minh')
    expect(mail.subject).toBe(`[Cảnh báo #${burst.id}] Dấu hiệu bất thường tại Quầy 2: một mức đánh giá được bấm dồn dập – Trung tâm`)
    expect(mail.text).toContain('Cán bộ: Trần Thị Bình')
    expect(mail.text).toContain('Số liệu: 5 lần liền "Rất hài lòng" từ 09:06 đến 09:06')
  })

  it('take their thresholds from the alert rules, which the report follows too; switched off, none is raised', async () => {
    const clock = { ms: T0 }
    const t = await startTestApp({ now: () => clock.ms, config: { alerts: { system: false, unratedRunMin: 3 } } })
    for (let i = 0; i < 3; i++) {
      t.gw.windows.openWindow({ counterId: 'q1', by: 'user:test' })
      clock.ms += 61_000
      t.gw.windows.expire()
    }
    expect(tampering(t).map((a) => a.signal)).toEqual([{ kind: 'unratedRun', counterId: 'q1', officerId: null, windows: 3, from: T0, to: T0 + 2 * 61_000 }])
    const admin = await t.login('admin')
    const report = (await admin.request('GET', `/api/reports/windows?from=${DAY}&to=${DAY}`)).json()
    expect(report.signals).toEqual([{ kind: 'unratedRun', counterId: 'q1', officerId: null, windows: 3, from: T0, to: T0 + 2 * 61_000 }])

    expect((await admin.request('PUT', '/api/alert-settings', { tampering: false })).statusCode).toBe(200)
    expect(tampering(t)).toEqual([])
    expect((await admin.request('PUT', '/api/alert-settings', { tampering: true, unratedRunMin: 4 })).statusCode).toBe(200)
    expect(tampering(t)).toEqual([])
    expect((await admin.request('GET', `/api/reports/windows?from=${DAY}&to=${DAY}`)).json().signals).toEqual([])
  })
})
