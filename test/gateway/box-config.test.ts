/** Each box's retained config topic says its counter and the officer on duty, and follows duty changes. */
import { describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import { configTopic, decode, type ConfigPayload } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'

function nextConfig(client: MqttClient, match: (c: ConfigPayload) => boolean): Promise<ConfigPayload> {
  return new Promise((resolve) => {
    const onMessage = (_topic: string, payload: Buffer) => {
      const r = decode('config', payload)
      if (r.ok && match(r.value)) {
        client.off('message', onMessage)
        resolve(r.value)
      }
    }
    client.on('message', onMessage)
  })
}

describe('box config topic', () => {
  it('is retained, and republished when the officer on duty changes', async () => {
    const t = await startTestGateway({ registry: OFFICE, config: { ingest: { cooldownMs: 4000, feedbackMs: 1200 } } })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const initial = nextConfig(box, () => true)
    await box.subscribeAsync(configTopic('box-1'), { qos: 1 })
    expect(await initial).toEqual({ cooldownMs: 4000, feedbackMs: 1200, counter: 'Quầy 1', officer: null })

    const signedIn = nextConfig(box, (c) => c.officer !== null)
    t.gw.registry.signIn('an', 'q1')
    expect(await signedIn).toMatchObject({ counter: 'Quầy 1', officer: 'Nguyễn Văn An' })

    const moved = nextConfig(box, (c) => c.counter === 'Quầy 2')
    t.gw.registry.assignBox('box-1', 'q2')
    expect(await moved).toMatchObject({ counter: 'Quầy 2', officer: null })
  })
})
