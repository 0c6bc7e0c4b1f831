/**
 * Alerts as an office head meets them through the API: an alert is raised only past its
 * rule's minimum sample, names the counter, the officer the frowns were attributed to and
 * its figures; it is acknowledged with a comment by a named user (heads only for their own
 * office), and its history (raised, acknowledged, resolved) is kept and can be looked up by
 * state and dates. Real gateway, real ingest, SQLite on disk; the clock is frozen and moved.
 */
import { describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from './app-helper.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { resolveConfig, type ConfigError } from '../../gateway/config.ts'

// A Saturday 10:00 in Hanoi: outside the default office days, so boxes never seen raise no
// box-offline alert and the frown alerts stand alone.
const SATURDAY = '2026-11-21'
const saturday10 = localMidnight(SATURDAY, 'Asia/Ho_Chi_Minh') + 10 * 3600_000

interface AlertBody {
  id: number
  kind: string
  state: string
  raisedAt: number
  officeId: string | null
  counterId?: string
  officerId?: string | null
  negative?: number
  total?: number
  share?: number
  windowMin?: number
  acknowledgedBy: string | null
  comment: string | null
  history?: Array<{ event: string; user: string | null; comment: string | null; at: number }>
}

async function frownsAt(t: TestApp, box: string, ratings: Array<'positive' | 'neutral' | 'negative'>, firstSeq = 1): Promise<void> {
  let seq = firstSeq
  for (const r of ratings) await t.pressAs(box, seq++, r)
}

describe('alert rules', () => {
  it('raise an alert only past the minimum sample, with counter, officer and figures', async () => {
    let now = saturday10
    const t = await startTestApp({ now: () => now, config: { alerts: { system: false } } })
    const head = await t.login('head')
    expect((await head.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })).statusCode).toBe(201)
    // Two frowns of five at q2: 40 %, above the 30 % threshold, but five ratings are no sample.
    await frownsAt(t, 'box-2', ['positive', 'negative', 'positive', 'negative', 'neutral'])
    // Eight frowns of nine at q1: still fewer than the 10 ratings the rule needs.
    await frownsAt(t, 'box-1', ['positive', ...Array<'negative'>(8).fill('negative')])
    now += 1000
    expect((await head.request('GET', '/api/alerts')).json().alerts).toEqual([])
    expect((await head.request('GET', '/api/alerts?state=open')).json().alerts).toEqual([])

    // Raised at the gateway's time of the evaluation (on the press event or on this request:
    // the clock stands still in between).
    await t.pressAs('box-1', 10, 'negative')
    const alerts = (await head.request('GET', '/api/alerts')).json().alerts as AlertBody[]
    expect(alerts).toEqual([
      expect.objectContaining({ kind: 'frowns', state: 'open', raisedAt: now, officeId: 'hcc', counterId: 'q1', officerId: 'an', negative: 9, total: 10, share: 0.9, windowMin: 60 }),
    ])
    expect(alerts[0].id).toEqual(expect.any(Number))
    // The same condition evaluated again is the same alert, not a second one.
    now += 60_000
    await t.pressAs('box-1', 11, 'negative')
    const again = (await head.request('GET', '/api/alerts')).json().alerts as AlertBody[]
    expect(again.map((a) => [a.id, a.negative, a.total])).toEqual([[alerts[0].id, 10, 11]])
    expect((await head.request('GET', `/api/alerts?state=open&from=${SATURDAY}&to=${SATURDAY}`)).json().alerts).toHaveLength(1)
    // The live view carries the same alert, with its id and state (for the Live page).
    const live = (await head.request('GET', '/api/live')).json() as { alerts: AlertBody[] }
    expect(live.alerts).toEqual([expect.objectContaining({ id: alerts[0].id, state: 'open', counterId: 'q1', officerId: 'an' })])
  })

  it('a named user acknowledges with a comment; the history shows raised, acknowledged, resolved', async () => {
    let now = saturday10
    const t = await startTestApp({ now: () => now, config: { alerts: { system: false } } })
    const [admin, head, head2, viewer] = [await t.login('admin'), await t.login('head'), await t.login('head2'), await t.login('viewer')]
    await frownsAt(t, 'box-1', [...Array<'negative'>(6).fill('negative'), 'positive', 'positive', 'neutral', 'negative'])
    now += 1000
    const [alert] = (await head.request('GET', '/api/alerts')).json().alerts as AlertBody[]
    expect(alert).toMatchObject({ kind: 'frowns', counterId: 'q1', negative: 7, total: 10, officerId: null })

    const ack = (who: typeof head, body: unknown) => who.request('POST', `/api/alerts/${alert.id}/ack`, body)
    // Only heads of that office and admins; a comment is required.
    expect((await ack(head2, { comment: 'không phải của tôi' })).statusCode).toBe(403)
    expect((await ack(viewer, { comment: 'xem' })).statusCode).toBe(403)
    expect((await ack(head, {})).statusCode).toBe(400)
    expect((await ack(head, { comment: '   ' })).statusCode).toBe(400)
    expect((await head.request('POST', '/api/alerts/999999/ack', { comment: 'x' })).statusCode).toBe(404)

    now += 5 * 60_000
    const ackAt = now
    const res = await ack(head, { comment: 'Đã trao đổi với cán bộ quầy 1' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id: alert.id, state: 'acknowledged', acknowledgedBy: 'head', acknowledgedAt: ackAt, comment: 'Đã trao đổi với cán bộ quầy 1' })
    expect((await ack(admin, { comment: 'lần hai' })).statusCode).toBe(409)

    // The condition lasts: the alert stays, acknowledged.
    expect((await head.request('GET', '/api/alerts')).json().alerts).toEqual([expect.objectContaining({ id: alert.id, state: 'acknowledged' })])
    // An hour later the frowns have left the window: resolved, with its whole story.
    now += 61 * 60_000
    expect((await head.request('GET', '/api/alerts')).json().alerts).toEqual([])
    const past = (await head.request('GET', `/api/alerts?state=resolved&from=${SATURDAY}&to=${SATURDAY}`)).json().alerts as AlertBody[]
    expect(past).toEqual([expect.objectContaining({ id: alert.id, state: 'resolved', acknowledgedBy: 'head', comment: 'Đã trao đổi với cán bộ quầy 1', negative: 7, total: 10 })])
    expect(past[0].history).toEqual([
      { event: 'raised', at: alert.raisedAt, user: null, comment: null },
      { event: 'acknowledged', at: ackAt, user: 'head', comment: 'Đã trao đổi với cán bộ quầy 1' },
      { event: 'resolved', at: now, user: null, comment: null },
    ])
    expect((await head.request('GET', `/api/alerts/${alert.id}`)).json().history).toHaveLength(3)
    // Dates select by the day raised (local, "to" inclusive); another office sees nothing of it.
    expect((await head.request('GET', '/api/alerts?from=2026-11-22&to=2026-11-30')).json().alerts).toEqual([])
    expect((await head.request('GET', '/api/alerts?from=2026-11-14&to=2026-11-20')).json().alerts).toEqual([])
    expect((await head2.request('GET', `/api/alerts?from=${SATURDAY}&to=${SATURDAY}`)).json().alerts).toEqual([])
    expect((await head2.request('GET', `/api/alerts/${alert.id}`)).statusCode).toBe(403)
    expect((await admin.request('GET', `/api/alerts?state=resolved`)).json().alerts).toHaveLength(1)
  })

  it('office hours and the offline time decide a box-offline alert; the gateway\'s own alerts are the admins\' to acknowledge', async () => {
    // Monday 10:00: office hours. box-1 was last seen 10 minutes ago, box-2 20 minutes ago.
    const monday10 = localMidnight('2026-11-23', 'Asia/Ho_Chi_Minh') + 10 * 3600_000
    const now = monday10
    const t = await startTestApp({ now: () => now, config: { alerts: { offlineMinutes: 15 } } })
    t.db.prepare("UPDATE boxes SET last_state = 'offline', last_seen_at = ? WHERE id = 'box-1'").run(now - 10 * 60_000)
    t.db.prepare("UPDATE boxes SET last_state = 'offline', last_seen_at = ? WHERE id = 'box-2'").run(now - 20 * 60_000)
    t.db.prepare("UPDATE boxes SET last_state = 'online', last_seen_at = ? WHERE id = 'box-x'").run(now)
    const head = await t.login('head')
    const offline = ((await head.request('GET', '/api/alerts')).json().alerts as Array<AlertBody & { boxId?: string; minutes?: number }>).filter((a) => a.kind === 'boxOffline')
    expect(offline).toEqual([expect.objectContaining({ boxId: 'box-2', counterId: 'q2', lastSeenAt: now - 20 * 60_000, minutes: 15 })])

    // A condition of the gateway itself (here: a backup that failed) is everyone's to see, the admins' to acknowledge.
    const admin = await t.login('admin')
    const system = t.gw.alerts!.history.sync([...t.gw.alerts!.evaluate(now), { kind: 'system', officeId: null, condition: 'backupFailed', at: now, message: 'ENOSPC' }], now).raised
    const backup = system.find((a) => a.kind === 'system')!
    expect((await head.request('GET', `/api/alerts/${backup.id}`)).statusCode).toBe(200)
    expect((await head.request('POST', `/api/alerts/${backup.id}/ack`, { comment: 'đã biết' })).statusCode).toBe(403)
    expect((await admin.request('POST', `/api/alerts/${backup.id}/ack`, { comment: 'Đã dọn ổ đĩa sao lưu' })).json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'admin' })
  })
})

describe('alert rules in the config', () => {
  it('default to a window and a minimum sample; a dashboard change overrides only the keys it names', async () => {
    const t = await startTestApp({ config: { alerts: { frownMinCount: 20, offlineMinutes: 30 } } })
    const admin = await t.login('admin')
    expect(t.config.alerts).toMatchObject({ frownShare: 0.3, frownWindowMin: 60, frownMinCount: 20, offlineMinutes: 30, rejectedMinCount: 1, system: true })
    expect((await admin.request('PUT', '/api/alert-settings', { frownShare: 0.5 })).json()).toMatchObject({ frownShare: 0.5, frownMinCount: 20, offlineMinutes: 30 })
    expect((await admin.request('GET', '/api/alert-settings')).json()).toMatchObject({ frownShare: 0.5, frownMinCount: 20, frownWindowMin: 60 })
    expect((await admin.request('PUT', '/api/alert-settings', { frownMinCount: 0 })).statusCode).toBe(400)
    expect((await admin.request('PUT', '/api/alert-settings', { nonsense: 1 })).statusCode).toBe(400)
  })

  it('are validated with the rest of the config, every problem named by its path', () => {
    expect(resolveConfig({}, '(test)', {}).alerts).toMatchObject({ frownShare: 0.3, frownWindowMin: 60, frownMinCount: 10 })
    expect(resolveConfig({}, '(test)', {}).notify).toMatchObject({ recipients: [], report: { schedule: 'off', at: '07:00' } })
    let problems: string[] = []
    try {
      resolveConfig({ alerts: { frownShare: 3 }, notify: { recipients: [{ office: 'hcc', to: ['not-an-address'] }], report: { schedule: 'hourly' } } }, '(test)', {})
    } catch (err) {
      problems = (err as ConfigError).problems
    }
    expect(problems.some((p) => p.startsWith('/alerts/frownShare:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('/notify/recipients/0/to/0:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('/notify/report/schedule:'))).toBe(true)
  })
})
