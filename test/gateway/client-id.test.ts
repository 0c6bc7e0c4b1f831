/**
 * One box, one identity: the client id is the box id (MQTT-3.1.3-9, MQTT-3.2.2.3: refused
 * with CONNACK 0x02 otherwise), a wrong id cannot disconnect the box it names, a box holds one
 * connection, and two clients with the same credentials cannot kick each other forever.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { capturingLogger, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

function connectAs(t: TestGateway, username: string, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(t.mqttUrl, { username, password: SECRET(username), clientId, reconnectPeriod: 0 }).then((c) => {
    registerCleanup(() => c.endAsync(true).catch(() => undefined))
    return c
  })
}

describe('client id = box id', () => {
  // MQTT-3.1.3-9, MQTT-3.2.2.3
  it("refuses box-1's credentials with box-2's client id (0x02), and box-2 stays connected and acknowledged", async () => {
    const { log, lines } = capturingLogger()
    const t = await startTestGateway({ registry: OFFICE, log })
    const b = await t.connectBox('box-2', SECRET('box-2'))
    let bClosed = false
    b.on('close', () => (bClosed = true))
    await expect(connectAs(t, 'box-1', 'box-2')).rejects.toMatchObject({ code: 2 })
    await b.publishAsync(pressTopic('box-2'), press(1, 'positive'), { qos: 1 })
    expect(bClosed).toBe(false)
    expect(b.connected).toBe(true)
    expect(t.gw.broker.connectedBoxes()).toBe(1)
    expect(t.gw.db.prepare('SELECT box_id, seq FROM presses').all()).toEqual([{ box_id: 'box-2', seq: 1 }])
    // Logged with both ids.
    expect(lines.filter((l) => String(l.msg).includes('client id names another box'))).toMatchObject([{ level: 40, box: 'box-1', clientId: 'box-2' }])
  })

  it("refuses a client id that is not the box's own (0x02), with the right secret", async () => {
    const t = await startTestGateway({ registry: OFFICE })
    await expect(connectAs(t, 'box-1', 'something-else')).rejects.toMatchObject({ code: 2 })
    await expect(connectAs(t, 'box-1', 'box-1-a1b2c3')).rejects.toMatchObject({ code: 2 })
    expect(t.gw.metrics().find((m) => m.name === 'chamdiem_mqtt_client_id_refused_total')?.value).toBe(2)
    // A wrong secret is still "not authorized", whatever the id.
    await expect(mqtt.connectAsync(t.mqttUrl, { username: 'box-1', password: 'wrong-secret-wrong', clientId: 'box-2', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 })
    // The box's own id works.
    const ok = await connectAs(t, 'box-1', 'box-1')
    await ok.publishAsync(pressTopic('box-1'), press(1, 'neutral'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT box_id FROM presses').all()).toEqual([{ box_id: 'box-1' }])
  })
})

describe('one connection per box', () => {
  it('a second connection of a box takes the first one over (MQTT-3.1.4-2): the box holds one connection', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const first = await connectAs(t, 'box-1', 'box-1')
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()))
    const second = await connectAs(t, 'box-1', 'box-1')
    await firstClosed
    await second.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    expect(t.gw.broker.connectedBoxes()).toBe(1)
    expect(t.gw.db.prepare('SELECT count(*) AS n FROM presses').get()).toEqual({ n: 1 })
  })

  // MQTT-3.1.3-6: an empty client id with a clean session is given an id by the server: the box id.
  it('an empty client id (clean session) is given the box id, so it too holds the box to one connection', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const first = await connectAs(t, 'box-1', 'box-1')
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()))
    const anonymous = await connectAs(t, 'box-1', '')
    await firstClosed
    await anonymous.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    expect(t.gw.broker.connectedBoxes()).toBe(1)
  })

  it('two clients with the same credentials that keep taking over are stopped: new connections refused, the connected one served', async () => {
    const { log, lines } = capturingLogger()
    const t = await startTestGateway({ registry: OFFICE, log, config: { mqtt: { maxTakeoversPerMinute: 3, takeoverLockoutMs: 60_000 } } })
    let current = await connectAs(t, 'box-1', 'box-1')
    // Three takeovers within the minute are allowed (a box reconnecting over a half-open link).
    for (let i = 0; i < 3; i++) {
      const previous = current
      const closed = new Promise<void>((resolve) => previous.once('close', () => resolve()))
      current = await connectAs(t, 'box-1', 'box-1')
      await closed
    }
    // The fourth is refused ("server unavailable"), and does not disconnect the current one.
    let closed = false
    current.on('close', () => (closed = true))
    await expect(connectAs(t, 'box-1', 'box-1')).rejects.toMatchObject({ code: 3 })
    await expect(connectAs(t, 'box-1', 'box-1')).rejects.toMatchObject({ code: 3 })
    await current.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    expect(closed).toBe(false)
    // Other boxes are not affected.
    const other = await t.connectBox('box-2', SECRET('box-2'))
    await other.publishAsync(pressTopic('box-2'), press(1, 'positive'), { qos: 1 })
    await expect.poll(() => t.gw.broker.connectedBoxes(), { message: 'two boxes connected' }).toBe(2)
    // Every takeover logged at warn with the addresses; the lock once, with its reason.
    const takeovers = lines.filter((l) => String(l.msg).startsWith('session takeover'))
    expect(takeovers).toHaveLength(3)
    expect(takeovers[0]).toMatchObject({ level: 40, box: 'box-1', remote: '127.0.0.1', replaced: '127.0.0.1' })
    const locks = lines.filter((l) => String(l.msg).includes('takeovers of this box') && (l.level as number) >= 40)
    expect(locks).toHaveLength(1)
    expect(locks[0]).toMatchObject({ level: 50, box: 'box-1' })
    expect(String(locks[0].msg)).toMatch(/more than 3 takeovers .* within a minute .* refused until/)
    const metric = (name: string) => t.gw.metrics().find((m) => m.name === name)?.value
    expect([metric('chamdiem_mqtt_takeovers_total'), metric('chamdiem_mqtt_takeover_refused_total')]).toEqual([3, 2])
  })

  it('the lockout ends after takeoverLockoutMs', async () => {
    let now = Date.parse('2026-03-02T08:00:00Z')
    const t = await startTestGateway({ registry: OFFICE, now: () => now, config: { mqtt: { maxTakeoversPerMinute: 1, takeoverLockoutMs: 30_000 } } })
    await connectAs(t, 'box-1', 'box-1')
    await connectAs(t, 'box-1', 'box-1') // one takeover: allowed
    await expect(connectAs(t, 'box-1', 'box-1')).rejects.toMatchObject({ code: 3 })
    now += 29_000
    await expect(connectAs(t, 'box-1', 'box-1')).rejects.toMatchObject({ code: 3 })
    now += 2_000
    const back = await connectAs(t, 'box-1', 'box-1')
    await back.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
  })
})
