/**
 * What docs/firmware.md promises a firmware author, checked on a real gateway with real
 * clients: MQTT 5 is refused (mqtt.js and mosquitto_pub), a QoS 2 press is stored once,
 * `seq` starts at 1, and display names — which the config topic carries to boxes with a
 * screen — are bounded and free of control characters wherever they enter.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { decode, encode, pressTopic } from '../../protocol/index.ts'
import { resolveConfig } from '../../gateway/config.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

const run = promisify(execFile)

describe('the box contract', () => {
  it('refuses MQTT 5 (mqtt.js and mosquitto_pub) and keeps serving 3.1.1', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    await expect(
      mqtt.connectAsync(t.mqttUrl, { protocolVersion: 5, username: 'box-1', password: SECRET('box-1'), clientId: 'box-1', reconnectPeriod: 0, connectTimeout: 3000 }),
    ).rejects.toThrow()
    const port = new URL(t.mqttUrl).port
    const r = await run('mosquitto_pub', ['-V', 'mqttv5', '-h', '127.0.0.1', '-p', port, '-u', 'box-1', '-P', SECRET('box-1'), '-i', 'box-1', '-q', '1', '-t', pressTopic('box-1'), '-m', press(1, 'positive')]).then(
      () => ({ code: 0 }),
      (e: { code: number }) => ({ code: e.code }),
    )
    expect(r.code).not.toBe(0)
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT count(*) FROM presses').pluck().get()).toBe(1)
  })

  it('stores a QoS 2 press once, before completing the handshake', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'neutral'), { qos: 2 })
    await box.publishAsync(pressTopic('box-1'), press(1, 'neutral'), { qos: 2 }) // a resend
    expect(t.gw.db.prepare("SELECT count(*) FROM presses WHERE box_id = 'box-1' AND rating = 'neutral'").pluck().get()).toBe(1)
  })

  it('refuses seq 0: a box counts from 1', () => {
    const r = decode('press', Buffer.from(JSON.stringify({ seq: 0, boot: 'b', rating: 'positive', ageMs: 0 })))
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error.field).toBe('/seq')
  })

  it('bounds display names in the config file, the registry and the config topic', async () => {
    const bad = '<b>Quầy\u0007 1</b>'
    expect(() => resolveConfig({ registry: { ...OFFICE, counters: [{ id: 'q1', office: 'hcc', name: bad }] } }, 'gw.yaml', {})).toThrow(/\/registry\/counters\/0\/name/)
    expect(() => resolveConfig({ registry: { ...OFFICE, officers: [{ id: 'an', office: 'hcc', name: 'x'.repeat(129) }] } }, 'gw.yaml', {})).toThrow(/\/registry\/officers\/0\/name/)
    const t = await startTestGateway({ registry: OFFICE })
    expect(() => t.gw.registry.upsertCounter('q9', 'hcc', 'Quầy\n9')).toThrow('invalid counter name "Quầy\\n9": use 1-128 characters, no control characters')
    // Markup is a name like any other (escaped where shown); the config topic carries it as text.
    t.gw.registry.upsertCounter('q1', 'hcc', '<Quầy 1>')
    const config = t.gw.configPublisher.configFor('box-1')
    expect(config.counter).toBe('<Quầy 1>')
    expect(decode('config', encode('config', config)).ok).toBe(true)
  })
})
