/**
 * The live view through the API: today's counts per officer and counter from real presses
 * (ingest pipeline), repeats left out, the event stream that carries new presses, box state
 * and registry changes, and the alerts.
 */
import { describe, expect, it, vi } from 'vitest'
import type { AddressInfo } from 'node:net'
import { startTestApp } from './app-helper.ts'
import { localMidnight } from '../../gateway/local-time.ts'

interface LiveBody {
  officers: Array<{ officerId: string | null; officeId: string | null; counts: Record<string, number> }>
  counters: Array<{ id: string; officerId: string | null; boxes: Array<{ id: string; state: string }>; counts: Record<string, number> }>
  lastPressId: number
  alerts: Array<{ kind: string; counterId?: string; boxId?: string | null }>
}

describe('live snapshot', () => {
  it('counts today per officer and counter, leaves repeats out, scopes to the office', async () => {
    const t = await startTestApp()
    const head = await t.login('head')
    expect((await head.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })).statusCode).toBe(201)
    await t.pressAs('box-1', 1, 'positive')
    await t.pressAs('box-1', 2, 'positive')
    await t.pressAs('box-1', 3, 'negative')
    await t.pressAs('box-1', 4, 'neutral', { repeat: true })
    await t.pressAs('box-2', 1, 'neutral')
    await t.pressAs('box-x', 1, 'negative')

    const res = await head.request('GET', '/api/live')
    expect(res.statusCode).toBe(200)
    const live = res.json() as LiveBody
    const an = live.officers.find((o) => o.officerId === 'an')!
    expect(an.counts).toEqual({ positive: 2, neutral: 0, negative: 1 })
    const nobody = live.officers.find((o) => o.officerId === null)!
    expect(nobody.counts).toEqual({ positive: 0, neutral: 1, negative: 0 })
    // Officers on the list though nobody rated them yet.
    expect(live.officers.find((o) => o.officerId === 'binh')!.counts).toEqual({ positive: 0, neutral: 0, negative: 0 })
    const q1 = live.counters.find((c) => c.id === 'q1')!
    expect(q1.officerId).toBe('an')
    expect(q1.counts).toEqual({ positive: 2, neutral: 0, negative: 1 })
    expect(q1.boxes).toEqual([expect.objectContaining({ id: 'box-1', state: 'offline' })])
    // The head sees nothing of the other office.
    expect(live.officers.every((o) => o.officeId === 'hcc')).toBe(true)
    expect(live.counters.map((c) => c.id)).toEqual(['q1', 'q2'])

    const admin = await t.login('admin')
    const all = (await admin.request('GET', '/api/live')).json() as LiveBody
    expect(all.officers.find((o) => o.officeId === 'other' && o.officerId === null)!.counts.negative).toBe(1)
    expect(all.lastPressId).toBe(6)
  })

  it('presses of an earlier day are not today', async () => {
    const t = await startTestApp()
    await t.pressAs('box-1', 1, 'positive', { ageMs: 30 * 3600_000 })
    await t.pressAs('box-1', 2, 'negative')
    const admin = await t.login('admin')
    const live = (await admin.request('GET', '/api/live')).json() as LiveBody
    expect(live.counters.find((c) => c.id === 'q1')!.counts).toEqual({ positive: 0, neutral: 0, negative: 1 })
  })
})

/** Opens the event stream over a real socket and collects its events. */
async function openStream(url: string, cookie: string) {
  const ac = new AbortController()
  const res = await fetch(url, { headers: { cookie }, signal: ac.signal })
  const events: Array<{ event: string; data: unknown }> = []
  const ended = (async () => {
    const decoder = new TextDecoder()
    let buf = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true })
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event && data) events.push({ event, data: JSON.parse(data) })
        }
      }
    } catch {
      // aborted
    }
  })()
  const next = (pred: (e: { event: string; data: unknown }) => boolean) =>
    vi.waitFor(
      () => {
        const found = events.find(pred)
        if (!found) throw new Error('event never came: ' + JSON.stringify(events))
        return found
      },
      { timeout: 20_000, interval: 10 },
    )
  return { status: res.status, headers: res.headers, events, next, ended, close: () => ac.abort() }
}

describe('live events', () => {
  it('streams new presses, box state and registry changes to the dashboards that may see them', async () => {
    const t = await startTestApp()
    // The gateway's HTTP part already listens on a free loopback port.
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    const head = await t.login('head')
    const head2 = await t.login('head2')
    const s1 = await openStream(`${base}/api/live/events`, head.cookie)
    const s2 = await openStream(`${base}/api/live/events`, head2.cookie)
    try {
      expect(s1.status).toBe(200)
      expect(s1.headers.get('content-type')).toMatch(/text\/event-stream/)
      await s1.next((e) => e.event === 'hello')
      await s2.next((e) => e.event === 'hello')
      await t.pressAs('box-1', 1, 'positive')
      await t.pressAs('box-1', 2, 'neutral')
      await t.pressAs('box-x', 1, 'negative')
      const got = await s1.next((e) => e.event === 'presses' && (e.data as unknown[]).length >= 2)
      expect((got.data as Array<{ rating: string; counterId: string }>).map((p) => [p.counterId, p.rating])).toEqual([
        ['q1', 'positive'],
        ['q1', 'neutral'],
      ])
      const other = await s2.next((e) => e.event === 'presses')
      expect((other.data as Array<{ counterId: string }>).map((p) => p.counterId)).toEqual(['x1'])
      // head never gets the other office's press
      expect(s1.events.filter((e) => e.event === 'presses').flatMap((e) => e.data as Array<{ officeId: string }>).every((p) => p.officeId === 'hcc')).toBe(true)

      t.bus.emit('boxStatus', { boxId: 'box-1', state: 'online', at: Date.now(), status: null })
      expect((await s1.next((e) => e.event === 'box')).data).toMatchObject({ boxId: 'box-1', state: 'online' })

      expect((await head.request('POST', '/api/duty/sign-in', { officer: 'binh', counter: 'q2' })).statusCode).toBe(201)
      await s1.next((e) => e.event === 'refresh')

      // Logging out ends the stream too (checked at each heartbeat).
      expect((await head.request('POST', '/api/logout')).statusCode).toBe(204)
      await s1.ended
    } finally {
      s1.close()
      s2.close()
    }
  })
})

describe('alerts', () => {
  // A Monday 10:00 in Hanoi: office hours by the default settings.
  const monday10 = localMidnight('2026-11-16', 'Asia/Ho_Chi_Minh') + 10 * 3600_000

  it('frown share over the window, boxes offline in office hours, rejected messages', async () => {
    let now = monday10
    const t = await startTestApp({ now: () => now })
    const admin = await t.login('admin')
    for (let i = 1; i <= 9; i++) await t.pressAs('box-1', i, i === 1 ? 'positive' : 'negative')
    await t.ingest.submit('box-2', 'press', Buffer.from('not json'))
    now += 1000
    let alerts = (await admin.request('GET', '/api/alerts')).json().alerts as Array<Record<string, unknown>>
    // 8 frowns of 9: above 30 % but fewer than the 10 ratings needed (alerts.frownMinCount).
    expect(alerts.filter((a) => a.kind === 'frowns')).toEqual([])
    await t.pressAs('box-1', 10, 'negative')
    alerts = (await admin.request('GET', '/api/alerts')).json().alerts
    expect(alerts.filter((a) => a.kind === 'frowns')).toEqual([expect.objectContaining({ counterId: 'q1', negative: 9, total: 10 })])
    // A box is offline once unseen for alerts.offlineMinutes (15): box-1 was seen pressing, so
    // 16 minutes on all three count (the frowns are still within their 60-minute window).
    now += 16 * 60_000
    alerts = (await admin.request('GET', '/api/alerts')).json().alerts
    expect(alerts.filter((a) => a.kind === 'frowns')).toEqual([expect.objectContaining({ counterId: 'q1', negative: 9, total: 10 })])
    expect(alerts.filter((a) => a.kind === 'boxOffline').map((a) => a.boxId).sort()).toEqual(['box-1', 'box-2', 'box-x'])
    expect(alerts.filter((a) => a.kind === 'rejected')).toEqual([expect.objectContaining({ boxId: 'box-2', count: 1, officeId: 'hcc' })])
    const rejected = (await admin.request('GET', '/api/rejected')).json().rejected
    expect(rejected[0]).toMatchObject({ boxId: 'box-2', raw: 'not json' })

    // The head sees only their office's alerts; a box online is no alert.
    t.db.prepare("UPDATE boxes SET last_state = 'online' WHERE id = 'box-2'").run()
    const head2 = await t.login('head2')
    const a2 = (await head2.request('GET', '/api/alerts')).json().alerts as Array<Record<string, unknown>>
    // Besides the gateway's own conditions (everyone's: here the clock guard may see the frozen
    // test clock as stepped when the test runs longer than its 5 s check), only office "other".
    expect(a2.every((a) => a.officeId === 'other' || a.kind === 'system')).toBe(true)
    expect(a2.filter((a) => a.kind !== 'system').map((a) => `${a.kind}:${a.boxId ?? a.counterId}`)).toEqual(['boxOffline:box-x'])
    const a1 = (await admin.request('GET', '/api/alerts?office=hcc')).json().alerts as Array<Record<string, unknown>>
    expect(a1.filter((a) => a.kind === 'boxOffline').map((a) => a.boxId)).toEqual(['box-1'])

    // Out of office hours (Monday 20:00): offline boxes are no alert.
    now = monday10 + 10 * 3600_000
    const night = (await admin.request('GET', '/api/alerts')).json().alerts as Array<Record<string, unknown>>
    expect(night.filter((a) => a.kind === 'boxOffline')).toEqual([])
  })

  it('admins change the thresholds; settings are validated', async () => {
    const t = await startTestApp()
    const admin = await t.login('admin')
    const before = (await admin.request('GET', '/api/alert-settings')).json()
    expect(before).toMatchObject({ frownShare: 0.3, frownWindowMin: 60, officeFrom: '07:30' })
    const res = await admin.request('PUT', '/api/alert-settings', { ...before, frownShare: 0.5, officeDays: [1, 2, 3, 4, 5, 6] })
    expect(res.statusCode).toBe(200)
    expect((await admin.request('GET', '/api/alert-settings')).json()).toMatchObject({ frownShare: 0.5, officeDays: [1, 2, 3, 4, 5, 6] })
    expect((await admin.request('PUT', '/api/alert-settings', { ...before, frownShare: 2 })).statusCode).toBe(400)
  })
})

describe('metrics', () => {
  it('counts presses by rating and rejected messages', async () => {
    const t = await startTestApp()
    await t.pressAs('box-1', 1, 'positive')
    const first = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })
    expect(first.body).toContain('chamdiem_presses_total{rating="positive",repeat="false"} 1')
    await t.pressAs('box-1', 2, 'positive')
    await t.pressAs('box-1', 3, 'negative', { repeat: true })
    await t.ingest.submit('box-1', 'press', Buffer.from('{}'))
    const m = (await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).body
    expect(m).toContain('chamdiem_presses_total{rating="positive",repeat="false"} 2')
    expect(m).toContain('chamdiem_presses_total{rating="negative",repeat="true"} 1')
    expect(m).toContain('chamdiem_rejected_total 1')
    expect(m).toContain('chamdiem_boxes{state="offline"} 4')
  })
})
