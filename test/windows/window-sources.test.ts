/**
 * The other ways a window opens (issue 13): a counter-side app over MQTT with its own token
 * (ACL'd to its own topics), the officer-side button on the box (invite topic); presses
 * outside any window flagged, and counted or not per office; the OpenAPI document; every
 * integration call attributed to its token in the log.
 */
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { appResultTopic, appUsername, appWindowTopic, inviteTopic, type AppWindowResult } from '../../protocol/index.ts'
import { IntegrationTokens } from '../../gateway/integration-tokens.ts'
import { capturingLogger, startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

const T0 = Date.UTC(2031, 2, 3, 2, 0, 0)
const REGISTRY = { ...OFFICE, offices: [...OFFICE.offices, { id: 'other', name: 'Khác' }], counters: [...OFFICE.counters, { id: 'x1', office: 'other', name: 'Quầy X1' }] }

describe('a counter-side app over MQTT', () => {
  it('opens a window with its token, gets the result on its own topic, and is held to its office and topics', async () => {
    const clock = { ms: T0 }
    const t = await startTestGateway({ registry: REGISTRY, now: () => clock.ms })
    const tokens = new IntegrationTokens(t.gw.db, t.gw.registry, () => clock.ms)
    const { token, info } = tokens.create({ name: 'counter PC q1', officeId: 'hcc', scopes: ['windows'], createdBy: 'admin' })
    const app = await mqtt.connectAsync(t.mqttUrl, { username: appUsername(info.id), password: token, clientId: appUsername(info.id), reconnectPeriod: 0 })
    try {
      const granted = await app.subscribeAsync([appResultTopic(info.id), appResultTopic('someoneelse'), 'chamdiem/v1/boxes/+/window'], { qos: 1 }).then(
        () => null,
        (e: { packet?: { granted: number[] } }) => e.packet?.granted,
      )
      expect(granted).toEqual([1, 128, 128])
      const results: AppWindowResult[] = []
      app.on('message', (_topic, payload) => results.push(JSON.parse(payload.toString()) as AppWindowResult))
      await app.publishAsync(appWindowTopic(info.id), JSON.stringify({ counter: 'q1', reference: 'T-042', requestId: 'r1' }), { qos: 1 })
      await app.publishAsync(appWindowTopic(info.id), JSON.stringify({ counter: 'x1', requestId: 'r2' }), { qos: 1 })
      await app.publishAsync(appWindowTopic(info.id), 'not json', { qos: 1 })
      await app.publishAsync(appWindowTopic(info.id), JSON.stringify({ counter: 'q1', reference: '', requestId: 'r4' }), { qos: 1 })
      await expect.poll(() => results.length).toBe(4)
      const open = t.gw.windows.openAt('q1')!
      expect(results).toEqual([
        { requestId: 'r1', ok: true, window: { id: open.id, counter: 'q1', reference: 'T-042', officer: null, expiresAt: T0 + 60_000 } },
        { requestId: 'r2', ok: false, error: `counter x1 is not in office hcc` },
        { requestId: null, ok: false, error: 'payload is not JSON' },
        { requestId: 'r4', ok: false, error: expect.stringMatching(/^\/reference: /) },
      ])
      expect(open.openedBy).toBe(`app:${info.id}`)
      // Publishing anywhere else closes the app's connection.
      const closed = new Promise<void>((resolve) => app.once('close', () => resolve()))
      app.publish('chamdiem/v1/boxes/box-1/press', press(1, 'positive'), { qos: 1 })
      await closed
    } finally {
      await app.endAsync(true)
    }
    // A wrong token, a token without the windows scope, a revoked one: CONNACK 5.
    const reader = tokens.create({ name: 'BI', officeId: 'hcc', scopes: ['read'], createdBy: 'admin' })
    tokens.revoke(info.id)
    for (const [id, password] of [[info.id, token], [reader.info.id, reader.token], [info.id, 'cdt_' + info.id + '_' + 'A'.repeat(43)]]) {
      const err = await mqtt.connectAsync(t.mqttUrl, { username: appUsername(id), password, clientId: appUsername(id), reconnectPeriod: 0 }).then(
        (c) => (c.end(true), null),
        (e: { code?: number }) => e.code,
      )
      expect(err).toBe(5)
    }
  })
})

describe('the officer-side button', () => {
  it('opens a window at the box’s counter for the officer on duty', async () => {
    const clock = { ms: T0 }
    const t = await startTestGateway({ registry: OFFICE, now: () => clock.ms })
    t.gw.registry.signIn('cuong', 'q2', T0 - 1000)
    const box = await t.connectBox('box-2', SECRET('box-2'))
    await box.publishAsync(inviteTopic('box-2'), '{}', { qos: 1 })
    expect(t.gw.windows.openAt('q2')).toMatchObject({ counterId: 'q2', officerId: 'cuong', openedBy: 'box:box-2', reference: null })
    // A request that waited too long in the box's queue opens nothing; garbage is kept aside with the reason.
    await box.publishAsync(inviteTopic('box-2'), '{"ageMs": 60000}', { qos: 1 })
    await box.publishAsync(inviteTopic('box-2'), '{"please": true}', { qos: 1 })
    expect(t.gw.db.prepare('SELECT count(*) AS n FROM windows').get()).toEqual({ n: 1 })
    expect(t.gw.db.prepare('SELECT reason FROM rejected').all()).toEqual([{ reason: 'validate: /please: is not a field of this payload' }])
  })
})

describe('presses outside any window', () => {
  it('are flagged and counted by default, flagged and left out where the office says so', async () => {
    const clock = { ms: T0 }
    const t = await startTestGateway({
      registry: REGISTRY,
      now: () => clock.ms,
      config: { ingest: { cooldownMs: 0 }, windows: { offices: { other: { noWindowCounts: false } } } },
    })
    t.gw.registry.provisionBox('box-x', { counterId: 'x1', at: T0 - 1000 })
    await t.gw.ingest.submit('box-1', 'press', Buffer.from(press(1, 'positive')))
    await t.gw.ingest.submit('box-x', 'press', Buffer.from(press(1, 'negative')))
    clock.ms += 1000
    t.gw.windows.openWindow({ counterId: 'x1', by: 'user:test' })
    await t.gw.ingest.submit('box-x', 'press', Buffer.from(press(2, 'neutral')))
    expect(t.gw.db.prepare('SELECT box_id AS box, seq, repeat, no_window AS noWindow, window_id IS NOT NULL AS inWindow FROM presses ORDER BY id').all()).toEqual([
      { box: 'box-1', seq: 1, repeat: 0, noWindow: 1, inWindow: 0 },
      { box: 'box-x', seq: 1, repeat: 1, noWindow: 1, inWindow: 0 },
      { box: 'box-x', seq: 2, repeat: 0, noWindow: 0, inWindow: 1 },
    ])
  })
})

describe('the OpenAPI document and the log', () => {
  it('is served without a session and describes the window calls; every token call is logged with the token', async () => {
    const { log, lines } = capturingLogger()
    const t = await startTestGateway({ registry: OFFICE, standardParts: true, log })
    const base = new URL(t.gw.httpUrl!).origin
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>>; components: { securitySchemes: object } }
    expect(doc.openapi).toBe('3.0.3')
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/windows', '/api/windows/{id}', '/api/windows/{id}/close', '/api/tokens', '/api/reports']))
    expect(doc.paths['/api/windows'].post.requestBody).toBeDefined()
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['token', 'session'])
    const { token, info } = t.gw.tokens.create({ name: 'OpenCPS', officeId: 'hcc', scopes: ['windows'], createdBy: 'admin' })
    const res = await fetch(`${base}/api/windows`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ counter: 'q1', reference: 'HS-9' }) })
    expect(res.status).toBe(201)
    const w = (await res.json()) as { id: string }
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ msg: 'integration call', token: info.id, tokenName: 'OpenCPS', method: 'POST', url: '/api/windows' }),
      expect.objectContaining({ msg: 'rating window opened', window: w.id, by: `token:${info.id}` }),
    ]))
    expect(JSON.stringify(lines)).not.toContain(token)
  })
})
