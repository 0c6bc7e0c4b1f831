/** Every kind of bad input gets a clear refusal or a rejected-table row, and loses nothing. */
import { connect as netConnect } from 'node:net'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { configTopic, pressTopic, statusTopic } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

/** A CONNECT built by hand: mqtt-packet itself refuses to generate an empty id with clean session off. */
function connectBytes(p: { clientId: string; clean: boolean; username?: string; password?: Buffer }): Buffer {
  const str = (s: string | Buffer) => {
    const b = Buffer.from(s)
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
  }
  const flags = (p.username ? 0x80 : 0) | (p.password ? 0x40 : 0) | (p.clean ? 0x02 : 0)
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags, 0, 30]),
    str(p.clientId),
    ...(p.username ? [str(p.username)] : []),
    ...(p.password ? [str(p.password)] : []),
  ])
  return Buffer.concat([Buffer.from([0x10, body.length]), body])
}

/** Sends one raw CONNECT and returns the CONNACK return code. */
function rawConnect(port: number, packet: { clientId: string; clean: boolean; username?: string; password?: Buffer }): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1')
    const parser = mqttPacket.parser()
    parser.on('packet', (p) => {
      socket.destroy()
      if (p.cmd === 'connack') resolve(p.returnCode ?? -1)
      else reject(new Error(`unexpected ${p.cmd}`))
    })
    socket.on('data', (d) => parser.parse(d))
    socket.on('error', reject)
    socket.write(connectBytes(packet))
  })
}

describe('authentication and ACL', () => {
  it('refuses an unknown box and a wrong secret with CONNACK "not authorized"', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    await expect(t.connectBox('box-9', SECRET('box-9'))).rejects.toMatchObject({ code: 5 })
    await expect(t.connectBox('box-1', 'wrong-secret-wrong-secret')).rejects.toMatchObject({ code: 5 })
    expect(await rawConnect(t.gw.mqttPort, { clientId: 'x', clean: true })).toBe(5) // no credentials
    // The right secret still works.
    const ok = await t.connectBox('box-1', SECRET('box-1'))
    expect(ok.connected).toBe(true)
  })

  it('refuses a retired box', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    t.gw.registry.retireBox('box-2')
    await expect(t.connectBox('box-2', SECRET('box-2'))).rejects.toMatchObject({ code: 5 })
  })

  // MQTT-3.1.3-8
  it('refuses an empty client id with clean session off with 0x02, which Aedes would accept', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const base = { username: 'box-1', password: Buffer.from(SECRET('box-1')) }
    expect(await rawConnect(t.gw.mqttPort, { ...base, clientId: '', clean: false })).toBe(2)
    expect(await rawConnect(t.gw.mqttPort, { ...base, clientId: '', clean: true })).toBe(0)
  })

  it('closes the connection of a box publishing outside its own topics', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const closed = new Promise<void>((resolve) => box.once('close', () => resolve()))
    box.publish(pressTopic('box-2'), press(1, 'negative'), { qos: 1 })
    await closed
    // Nothing was stored for box-2, and box-2 itself keeps working.
    expect(t.gw.db.prepare('SELECT count(*) AS n FROM presses').get()).toEqual({ n: 0 })
    const other = await t.connectBox('box-2', SECRET('box-2'))
    await other.publishAsync(pressTopic('box-2'), press(1, 'positive'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT box_id FROM presses').all()).toEqual([{ box_id: 'box-2' }])
  })

  it('closes the connection of a box publishing to its own config topic', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const closed = new Promise<void>((resolve) => box.once('close', () => resolve()))
    box.publish(configTopic('box-1'), '{}', { qos: 1 })
    await closed
  })

  it('refuses subscriptions outside the box’s own config topic with SUBACK 0x80', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    // mqtt.js turns a 0x80 return code into an error that carries the SUBACK packet.
    const err = await box.subscribeAsync([configTopic('box-2'), 'chamdiem/v1/boxes/+/press', '#', configTopic('box-1')], { qos: 1 }).then(
      () => null,
      (e: { packet?: { granted: number[] } }) => e,
    )
    const topics = [configTopic('box-2'), 'chamdiem/v1/boxes/+/press', '#', configTopic('box-1')]
    expect(topics.map((topic, i) => [topic, err?.packet?.granted[i]])).toEqual([
      [configTopic('box-2'), 128],
      ['chamdiem/v1/boxes/+/press', 128],
      ['#', 128],
      [configTopic('box-1'), 1],
    ])
  })
})

describe('malformed messages', () => {
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['not JSON', 'smiley!', /not JSON/],
    ['not UTF-8', Buffer.from([0xc3, 0x28, 0xff]), /UTF-8/],
    ['a JSON array', '[1,2,3]', /JSON object/],
    ['unknown rating', press(1, 'happy' as never), /\/rating: must be one of positive, neutral, negative/],
    ['missing seq', JSON.stringify({ boot: 'b', rating: 'positive', ageMs: 0 }), /\/seq: is required/],
    ['seq as a string', press('7' as never, 'positive'), /\/seq: expected integer/],
    ['negative ageMs', press(1, 'positive', { ageMs: -5 }), /\/ageMs/],
    ['absurd ageMs', press(1, 'positive', { ageMs: 400 * 24 * 3600 * 1000 }), /ageMs: .* beyond the maximum/],
    ['an unknown field', press(1, 'positive', { officer: 'me' }), /\/officer: is not a field/],
    ['over 1 KiB', press(1, 'positive', { boot: 'x'.repeat(2000) }), /more than the 1024 allowed/],
  ]

  it.each(cases)('%s: acknowledged, kept raw with the reason, counted; the box keeps working', async (_name, payload, reason) => {
    const t = await startTestGateway({ registry: OFFICE })
    const rejected: string[] = []
    t.gw.bus.on('rejected', 'test', (r) => rejected.push(r.reason))
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const other = await t.connectBox('box-2', SECRET('box-2'))
    await box.publishAsync(pressTopic('box-1'), payload, { qos: 1 }) // resolves on PUBACK
    const row = t.gw.db.prepare('SELECT box_id, topic, reason, raw FROM rejected').get() as { box_id: string; topic: string; reason: string; raw: Buffer }
    expect(row.box_id).toBe('box-1')
    expect(row.topic).toBe(pressTopic('box-1'))
    expect(row.reason).toMatch(reason)
    // `rejected` keeps the first KiB of a message (the whole of every case but the last).
    expect(Buffer.compare(row.raw, Buffer.from(payload).subarray(0, 1024))).toBe(0)
    expect(rejected).toHaveLength(1)
    expect(t.gw.ingest.stats.rejected).toBe(1)
    // Same connection, and every other box, still work.
    await box.publishAsync(pressTopic('box-1'), press(2, 'positive'), { qos: 1 })
    await other.publishAsync(pressTopic('box-2'), press(1, 'neutral'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT box_id, seq FROM presses ORDER BY box_id').all()).toEqual([
      { box_id: 'box-1', seq: 2 },
      { box_id: 'box-2', seq: 1 },
    ])
  })

  it('rejects a malformed status the same way and keeps the box online', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(statusTopic('box-1'), '{"state":"sleepy"}', { qos: 1, retain: true })
    expect(t.gw.db.prepare('SELECT reason FROM rejected').get()).toEqual({ reason: expect.stringMatching(/\/state: must be one of online, offline/) })
    await box.publishAsync(statusTopic('box-1'), '{"state":"online","fw":"1.0.0","uptimeS":5,"queued":0}', { qos: 1, retain: true })
    expect(t.gw.db.prepare('SELECT last_state, last_status FROM boxes WHERE id = ?').get('box-1')).toEqual({
      last_state: 'online',
      last_status: '{"state":"online","fw":"1.0.0","uptimeS":5,"queued":0}',
    })
  })
})

describe('a misbehaving connection', () => {
  it('cannot take the gateway down: garbage bytes, a half CONNECT, a flood of bad packets', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const good = await t.connectBox('box-2', SECRET('box-2'))
    const bad = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]), // CONNECT with an impossible length
      Buffer.from([0x10, 0x0c, 0x00, 0x04]), // a CONNECT cut short
      Buffer.alloc(64 * 1024, 0xe0), // a stream of DISCONNECT-looking bytes before any CONNECT
    ]
    await Promise.all(
      bad.map(
        (bytes) =>
          new Promise<void>((resolve) => {
            const s = netConnect(t.gw.mqttPort, '127.0.0.1', () => s.end(bytes))
            s.on('error', () => resolve())
            s.on('close', () => resolve())
            setTimeout(() => {
              s.destroy()
              resolve()
            }, 2000)
          }),
      ),
    )
    // The box that behaves is served as before.
    await good.publishAsync(pressTopic('box-2'), press(1, 'positive'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT box_id FROM presses').all()).toEqual([{ box_id: 'box-2' }])
    expect(t.gw.health().ok).toBe(true)
  })
})
