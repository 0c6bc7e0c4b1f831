/**
 * Rating windows against a real gateway (issue 13): opened over HTTP with an integration
 * token, seen by a real MQTT box on its retained window topic, rated by the next press,
 * timed out unrated; forged and stale ids refused with the reason; tokens scoped to their
 * office, revocable, attributed in the log.
 */
import type { MqttClient } from 'mqtt'
import { describe, expect, it } from 'vitest'
import { pressTopic, windowTopic, type WindowPayload } from '../../protocol/index.ts'
import { startTestApp, type Agent, type TestApp } from '../http/app-helper.ts'
import { SECRET, press } from '../helpers/office.ts'

const T0 = Date.UTC(2031, 2, 3, 2, 0, 0) // a Monday, 09:00 in Hà Nội

async function setup(): Promise<{ t: TestApp; admin: Agent; clock: { ms: number } }> {
  const clock = { ms: T0 }
  const t = await startTestApp({ now: () => clock.ms })
  const admin = await t.login('admin')
  return { t, admin, clock }
}

async function createToken(admin: Agent, office: string, scopes: string[]): Promise<{ token: string; id: string }> {
  const res = await admin.request('POST', '/api/tokens', { name: `queue ${office}`, office, scopes })
  expect(res.statusCode, res.body).toBe(201)
  const body = res.json() as { token: string; info: { id: string } }
  return { token: body.token, id: body.info.id }
}

function withToken(t: TestApp, token: string, method: 'GET' | 'POST', url: string, body?: object) {
  return t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) })
}

function nextWindow(box: MqttClient, boxId: string, open: boolean): Promise<WindowPayload> {
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer) => {
      if (topic !== windowTopic(boxId)) return
      const w = JSON.parse(payload.toString()) as WindowPayload
      if (w.open !== open) return
      box.off('message', onMessage)
      resolve(w)
    }
    box.on('message', onMessage)
  })
}

const rejected = (t: TestApp) => t.db.prepare('SELECT box_id AS boxId, reason FROM rejected ORDER BY id').all() as Array<{ boxId: string; reason: string }>
const stored = (t: TestApp) => t.db.prepare('SELECT seq, window_id AS windowId, no_window AS noWindow, repeat, officer_id AS officerId FROM presses ORDER BY id').all()

describe('a window opened over HTTP with a token', () => {
  it('reaches the box, is rated by the next press, which carries its id and reference', async () => {
    const { t, admin } = await setup()
    const { token } = await createToken(admin, 'hcc', ['windows'])
    const box = await (await import('mqtt')).default.connectAsync(`mqtt://127.0.0.1:${t.gw.mqttPort}`, { username: 'box-1', password: SECRET('box-1'), clientId: 'box-1', reconnectPeriod: 0 })
    try {
      await box.subscribeAsync(windowTopic('box-1'), { qos: 1 })
      const shown = nextWindow(box, 'box-1', true)
      const res = await withToken(t, token, 'POST', '/api/windows', { counter: 'q1', reference: 'HS-000123', officer: 'binh' })
      expect(res.statusCode, res.body).toBe(201)
      const opened = res.json() as { id: string; counterId: string; reference: string; officerId: string; expiresAt: number; openedBy: string }
      expect(opened).toMatchObject({ counterId: 'q1', reference: 'HS-000123', officerId: 'binh', expiresAt: T0 + 60_000 })
      expect(opened.openedBy).toMatch(/^token:/)
      expect(await shown).toEqual({ open: true, id: opened.id, reference: 'HS-000123', officer: 'Trần Thị Bình', timeoutMs: 60_000, expiresAt: T0 + 60_000 })

      const closed = nextWindow(box, 'box-1', false)
      await box.publishAsync(pressTopic('box-1'), press(1, 'positive', { window: opened.id, reference: 'HS-000123' }), { qos: 1 })
      expect(await closed).toMatchObject({ open: false, id: opened.id })
      // Credited to the officer the window names (who served), tied to the window.
      expect(stored(t)).toEqual([{ seq: 1, windowId: opened.id, noWindow: 0, repeat: 0, officerId: 'binh' }])
      const after = await withToken(t, token, 'GET', `/api/windows/${opened.id}`)
      expect(after.json()).toMatchObject({ closeReason: 'rated', rated: true, closedAt: T0 })

      // The same id again is stale: acknowledged, refused with the reason, never counted.
      await box.publishAsync(pressTopic('box-1'), press(2, 'negative', { window: opened.id }), { qos: 1 })
      expect(rejected(t)).toEqual([{ boxId: 'box-1', reason: `window: window ${opened.id} was already rated by an earlier press` }])
      expect(stored(t)).toHaveLength(1)
    } finally {
      await box.endAsync(true)
    }
  })

  it('times out unrated; a press made after that with its id is refused as stale', async () => {
    const { t, admin, clock } = await setup()
    const { token } = await createToken(admin, 'hcc', ['windows'])
    const opened = (await withToken(t, token, 'POST', '/api/windows', { counter: 'q2', timeoutMs: 30_000 })).json() as { id: string }
    clock.ms += 30_001
    t.gw.windows.expire()
    const w = (await withToken(t, token, 'GET', `/api/windows/${opened.id}`)).json()
    expect(w).toMatchObject({ closeReason: 'timeout', closedAt: T0 + 30_000, rated: false })
    await t.pressAs('box-2', 1, 'positive', { window: opened.id })
    expect(rejected(t).map((r) => r.reason)).toEqual([
      `window: window ${opened.id} closed (timeout) at ${new Date(T0 + 30_000).toISOString()}, before the press (${new Date(T0 + 30_001).toISOString()})`,
    ])
    // A press queued on the box while the window was open still rates it (dated by ageMs).
    await t.pressAs('box-2', 2, 'neutral', { window: opened.id, ageMs: 10_000 })
    expect(stored(t)).toEqual([{ seq: 2, windowId: opened.id, noWindow: 0, repeat: 0, officerId: null }])
  })

  it('refuses forged window ids with the reason, and a window of another counter', async () => {
    const { t, admin } = await setup()
    const { token } = await createToken(admin, 'hcc', ['windows'])
    const atQ1 = (await withToken(t, token, 'POST', '/api/windows', { counter: 'q1' })).json() as { id: string }
    await t.pressAs('box-1', 1, 'positive', { window: 'forged123' })
    await t.pressAs('box-2', 1, 'positive', { window: atQ1.id })
    await t.pressAs('box-1', 2, 'positive', { window: 'not a window id!' })
    expect(rejected(t).map((r) => r.reason)).toEqual([
      'window: window forged123 is unknown: no such window was opened by this gateway',
      `window: window ${atQ1.id} was opened at counter q1, not at this box's counter (q2)`,
      expect.stringMatching(/^validate: \/window: /),
    ])
    // Bad input never blocks the box: its next press is stored (and rates the open window).
    await t.pressAs('box-1', 3, 'neutral')
    expect(stored(t)).toEqual([{ seq: 3, windowId: atQ1.id, noWindow: 0, repeat: 0, officerId: null }])
  })

  it('a token of office X cannot open a window in office Y; a revoked token is refused; read tokens only read', async () => {
    const { t, admin } = await setup()
    const other = await createToken(admin, 'other', ['windows'])
    const res = await withToken(t, other.token, 'POST', '/api/windows', { counter: 'q1' })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual({ error: 'counter q1 is not in office other' })
    expect((await withToken(t, other.token, 'POST', '/api/windows', { counter: 'x1' })).statusCode).toBe(201)
    // Its listings show its office only.
    const listedRes = await withToken(t, other.token, "GET", "/api/windows")
    expect(listedRes.statusCode, listedRes.body).toBe(200)
    const listed = listedRes.json() as { windows: Array<{ counterId: string }> }
    expect(listed.windows.map((w) => w.counterId)).toEqual(['x1'])
    expect((await withToken(t, other.token, 'GET', '/api/windows?office=hcc')).statusCode).toBe(403)

    const revoked = await admin.request('POST', `/api/tokens/${other.id}/revoke`)
    expect(revoked.json()).toMatchObject({ id: other.id, revokedAt: T0 })
    const after = await withToken(t, other.token, 'POST', '/api/windows', { counter: 'x1' })
    expect(after.statusCode).toBe(401)
    expect((after.json() as { error: string }).error).toMatch(/^token refused: token revoked at /)

    const reader = await createToken(admin, 'hcc', ['read'])
    const open = await withToken(t, reader.token, 'POST', '/api/windows', { counter: 'q1' })
    expect(open.statusCode).toBe(403)
    expect(open.json()).toEqual({ error: "this token's scopes (read) do not allow POST /api/windows" })
    expect((await withToken(t, reader.token, 'GET', '/api/reports?from=2031-03-01&to=2031-03-03')).statusCode).toBe(200)
    expect((await withToken(t, reader.token, 'GET', '/api/users')).statusCode).toBe(403)
    expect((await withToken(t, 'cdt_abc_' + 'x'.repeat(43), 'GET', '/api/reports?from=2031-03-01&to=2031-03-03')).statusCode).toBe(401)
    // The token list never shows a token, only its hash is stored.
    const list = (await admin.request('GET', '/api/tokens')).json() as { tokens: Array<Record<string, unknown>> }
    expect(JSON.stringify(list)).not.toContain(reader.token)
    expect(JSON.stringify(t.db.prepare('SELECT * FROM integration_tokens').all())).not.toContain(reader.token.split('_')[2])
  })

  it('answers bad input with a clear error', async () => {
    const { t, admin } = await setup()
    const { token } = await createToken(admin, 'hcc', ['windows'])
    const cases: Array<[object, number, RegExp]> = [
      [{ counter: 'nope' }, 404, /no counter "nope"/],
      [{ counter: 'q1', officer: 'dung' }, 400, /officer dung is not of the counter's office hcc/],
      [{ counter: 'q1', reference: 'x'.repeat(65) }, 400, /reference/],
      [{ counter: 'q1', timeoutMs: 5 }, 400, /timeoutMs/],
      [{ counter: 'q1', extra: 1 }, 400, /extra|additional/],
    ]
    for (const [body, status, message] of cases) {
      const res = await withToken(t, token, 'POST', '/api/windows', body)
      expect([res.statusCode, (res.json() as { error: string }).error]).toEqual([status, expect.stringMatching(message)])
    }
    const headOther = await t.login('head2')
    expect((await headOther.request('POST', '/api/windows', { counter: 'q1' })).statusCode).toBe(403)
    const head = await t.login('head')
    expect((await head.request('POST', '/api/windows', { counter: 'q1' })).statusCode).toBe(201)
  })
})
