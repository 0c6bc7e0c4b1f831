/** The rating-window report against a real gateway: response rates, references, no-window presses, tampering signals. */
import { describe, expect, it } from 'vitest'
import { startTestApp } from '../http/app-helper.ts'

const T0 = Date.UTC(2031, 2, 3, 2, 0, 0) // Monday 2031-03-03, 09:00 in Hà Nội

describe('GET /api/reports/windows', () => {
  it('gives response rates per officer and counter, ratings per reference, and the tampering signals', async () => {
    const clock = { ms: T0 }
    const t = await startTestApp({ now: () => clock.ms })
    const windows = t.gw.windows
    t.registry.signIn('an', 'q1', T0 - 1000)
    const expireAfter = (ms: number) => {
      clock.ms += ms
      windows.expire()
    }
    const w1 = windows.openWindow({ counterId: 'q1', reference: 'HS-1', by: 'user:test' })
    await t.pressAs('box-1', 1, 'positive', { window: w1.id })
    clock.ms += 10_000
    windows.openWindow({ counterId: 'q1', reference: 'HS-2', by: 'user:test' })
    await t.pressAs('box-1', 2, 'negative') // no id: credited to the window open at its counter
    clock.ms += 10_000
    windows.openWindow({ counterId: 'q1', reference: 'HS-3', by: 'user:test' })
    expireAfter(61_000)
    for (let i = 0; i < 6; i++) {
      windows.openWindow({ counterId: 'q2', by: 'user:test' })
      expireAfter(61_000)
    }
    for (let seq = 1; seq <= 5; seq++) {
      await t.pressAs('box-2', seq, 'neutral')
      clock.ms += 1000
    }

    const { token } = t.gw.tokens.create({ name: 'BI', officeId: 'hcc', scopes: ['read'], createdBy: 'test' })
    const res = await t.app.inject({ url: '/api/reports/windows?from=2031-03-03&to=2031-03-03', headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode, res.body).toBe(200)
    const report = res.json()
    expect(report.officeId).toBe('hcc')
    expect(report.totals).toEqual({ opened: 9, rated: 2, open: 0, responseRate: 2 / 9, noWindowPresses: 5 })
    expect(report.byOfficer).toEqual([
      { id: 'an', opened: 3, rated: 2, responseRate: 2 / 3 },
      { id: 'unattributed', opened: 6, rated: 0, responseRate: 0 },
    ])
    expect(report.byCounter).toEqual([
      { id: 'q1', opened: 3, rated: 2, responseRate: 2 / 3 },
      { id: 'q2', opened: 6, rated: 0, responseRate: 0 },
    ])
    expect(report.byReference).toEqual([
      { reference: 'HS-1', windows: 1, rated: 1, ratings: { positive: 1, neutral: 0, negative: 0 } },
      { reference: 'HS-2', windows: 1, rated: 1, ratings: { positive: 0, neutral: 0, negative: 1 } },
      { reference: 'HS-3', windows: 1, rated: 0, ratings: { positive: 0, neutral: 0, negative: 0 } },
    ])
    expect(report.noWindow).toEqual([{ counterId: 'q2', presses: 5, counted: 5 }])
    const q2Start = T0 + 20_000 + 61_000
    expect(report.signals).toEqual([
      { kind: 'noWindowPresses', counterId: 'q2', officerId: null, presses: 5, share: 1 },
      { kind: 'unratedRun', counterId: 'q2', officerId: null, windows: 6, from: q2Start, to: q2Start + 5 * 61_000 },
      { kind: 'ratingBurst', counterId: 'q2', officerId: null, rating: 'neutral', presses: 5, from: q2Start + 6 * 61_000, to: q2Start + 6 * 61_000 + 4000 },
      { kind: 'outsideShift', counterId: 'q2', officerId: null, presses: 5 },
    ])
    // Which rule applies to presses with no window in the office (windows.noWindowCounts by default).
    expect(report.noWindowCounts).toEqual([{ officeId: 'hcc', counted: true }])
    // Without dates: the gateway's today (its clock, not the caller's).
    const today = await t.app.inject({ url: '/api/reports/windows', headers: { authorization: `Bearer ${token}` } })
    expect(today.json().totals).toEqual(report.totals)
    // Another office's head sees none of it; bad dates get the reason.
    const head2 = await t.login('head2')
    expect((await head2.request('GET', '/api/reports/windows?from=2031-03-03&to=2031-03-03')).json().totals).toMatchObject({ opened: 0, rated: 0, responseRate: null })
    const bad = await head2.request('GET', '/api/reports/windows?from=2031-02-30&to=2031-03-03')
    expect([bad.statusCode, bad.json().error]).toEqual([400, '"from": 2031-02-30 is not a calendar date'])
  })
})
