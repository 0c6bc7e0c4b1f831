/** Each box's retained config topic says its counter and the officer on duty, and follows duty changes. */
import { describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import { configTopic, decode, type ConfigPayload } from '../../protocol/index.ts'
import { ConfigPublisher } from '../../gateway/config-publisher.ts'
import { silentLogger } from '../../gateway/log.ts'
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

  it('a box that was away gets the config of the moment it subscribes', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    // Changes while box-2 has never connected, and while box-1 is away.
    const first = await t.connectBox('box-1', SECRET('box-1'))
    const initial = nextConfig(first, () => true)
    await first.subscribeAsync(configTopic('box-1'), { qos: 1 })
    expect(await initial).toMatchObject({ counter: 'Quầy 1', officer: null })
    await first.endAsync()
    t.gw.registry.signIn('an', 'q1')
    t.gw.registry.signIn('binh', 'q2')
    for (const [boxId, counter, officer] of [['box-1', 'Quầy 1', 'Nguyễn Văn An'], ['box-2', 'Quầy 2', 'Trần Thị Bình']]) {
      const box = await t.connectBox(boxId, SECRET(boxId))
      const retained = nextConfig(box, () => true)
      await box.subscribeAsync(configTopic(boxId), { qos: 1 })
      expect(await retained).toMatchObject({ counter, officer })
    }
  })

  // The publisher alone, on the test gateway's registry, with the broker replaced by a recorder
  // of what it would send: a box that is not connected must cost no computing and no memory
  // (issue 14: an idle gateway with 10,000 boxes provisioned).
  it('computes and keeps a config only for a box that subscribed and is connected', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const sent: string[] = []
    const online = new Set<string>()
    const publisher = new ConfigPublisher({
      db: t.gw.db,
      registry: t.gw.registry,
      attributor: t.gw.attributor,
      bus: t.gw.bus,
      publish: async (topic) => void sent.push(topic),
      connected: (boxId) => online.has(boxId),
      config: t.gw.config.ingest,
      log: silentLogger(),
      intervalMs: 50,
    })
    await publisher.start()
    try {
      t.gw.registry.signIn('an', 'q1')
      await new Promise((r) => setTimeout(r, 100))
      expect(sent).toEqual([]) // nobody subscribed: nothing computed, nothing sent

      online.add('box-1')
      expect(JSON.parse(publisher.retained(configTopic('box-1'))!.toString())).toMatchObject({ officer: 'Nguyễn Văn An' })
      expect(publisher.retained(configTopic('box-9'))).toBeUndefined() // not provisioned: no config
      t.gw.registry.signIn('binh', 'q1')
      t.gw.registry.signIn('cuong', 'q2') // box-2 is at q2, but has not subscribed
      await expect.poll(() => sent).toEqual([configTopic('box-1')])

      online.delete('box-1') // gone: forgotten at the next sweep, and sent nothing more
      await new Promise((r) => setTimeout(r, 150))
      t.gw.registry.signIn('an', 'q1')
      await new Promise((r) => setTimeout(r, 100))
      expect(sent).toEqual([configTopic('box-1')])
      // Back: its config is computed anew when it subscribes again.
      expect(JSON.parse(publisher.retained(configTopic('box-1'))!.toString())).toMatchObject({ officer: 'Nguyễn Văn An' })

      // Back in a persistent session: still subscribed without a SUBSCRIBE, so followed when the broker says so.
      online.delete('box-1')
      await new Promise((r) => setTimeout(r, 150))
      online.add('box-1')
      publisher.sessionResumed('box-1')
      t.gw.registry.signIn('binh', 'q1')
      await expect.poll(() => sent).toEqual([configTopic('box-1'), configTopic('box-1')])
    } finally {
      publisher.stop()
    }
  })

  it('the broker tells the config keeper when a box resumes a persistent session, which sends no SUBSCRIBE', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const resumed: string[] = []
    t.gw.broker.serveRetained({ retained: () => undefined, retainedTopics: () => [], sessionResumed: (boxId) => resumed.push(boxId) })
    await (await t.connectBox('box-1', SECRET('box-1'), { clean: false, clientId: 'box-1' })).endAsync()
    await (await t.connectBox('box-2', SECRET('box-2'))).endAsync()
    expect(resumed).toEqual(['box-1'])
  })
})
