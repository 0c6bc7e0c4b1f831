import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

describe('ingest over a real broker', () => {
  it('stores an acknowledged press with its rating and officer', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    t.gw.registry.signIn('an', 'q1')
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    const rows = t.gw.db.prepare('SELECT box_id, rating, officer_id, counter_id, office_id, repeat FROM presses').all()
    expect(rows).toEqual([{ box_id: 'box-1', rating: 'positive', officer_id: 'an', counter_id: 'q1', office_id: 'hcc', repeat: 0 }])
  })
})

describe('MQTT over WebSocket', () => {
  it('takes presses from a box connected over ws:// with the same auth', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const mqtt = (await import('mqtt')).default
    await expect(mqtt.connectAsync(t.wsUrl!, { username: 'box-2', password: 'nope-nope-nope-nope', reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 })
    const box = await mqtt.connectAsync(t.wsUrl!, { username: 'box-2', password: SECRET('box-2'), clientId: 'box-2', reconnectPeriod: 0 })
    try {
      await box.publishAsync(pressTopic('box-2'), press(1, 'neutral'), { qos: 1 })
    } finally {
      await box.endAsync()
    }
    expect(t.gw.db.prepare('SELECT box_id, rating, counter_id FROM presses').all()).toEqual([{ box_id: 'box-2', rating: 'neutral', counter_id: 'q2' }])
  })
})

describe('box presence', () => {
  it('marks a box online on connect and offline when its connection drops', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const states: string[] = []
    t.gw.bus.on('boxStatus', 'test', (s) => states.push(`${s.boxId}:${s.state}`))
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const state = () => (t.gw.db.prepare('SELECT last_state FROM boxes WHERE id = ?').get('box-1') as { last_state: string }).last_state
    await expect.poll(state, { message: 'box-1 online', timeout: 10_000 }).toBe('online')
    box.stream.destroy() // an unplugged cable, not a clean disconnect
    await expect.poll(state, { message: 'box-1 offline', timeout: 10_000 }).toBe('offline')
    expect(states).toEqual(['box-1:online', 'box-1:offline'])
  })
})
