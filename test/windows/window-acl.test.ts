/** The window topics of the contract: a box reads its own window and nobody else's, and never writes one. */
import { describe, expect, it } from 'vitest'
import { inviteTopic, windowTopic } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'

describe('box ACL of the window topics', () => {
  it('grants a box its own window topic and refuses another box’s with SUBACK 0x80', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const topics = [windowTopic('box-2'), 'chamdiem/v1/boxes/+/window', windowTopic('box-1')]
    const err = await box.subscribeAsync(topics, { qos: 1 }).then(
      () => null,
      (e: { packet?: { granted: number[] } }) => e,
    )
    expect(topics.map((topic, i) => [topic, err?.packet?.granted[i]])).toEqual([
      [windowTopic('box-2'), 128],
      ['chamdiem/v1/boxes/+/window', 128],
      [windowTopic('box-1'), 1],
    ])
  })

  it('closes the connection of a box that publishes to its own window topic, or another box’s invite topic', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    for (const topic of [windowTopic('box-1'), inviteTopic('box-2')]) {
      const box = await t.connectBox('box-1', SECRET('box-1'))
      const closed = new Promise<void>((resolve) => box.once('close', () => resolve()))
      box.publish(topic, '{"open":true}', { qos: 1 })
      await closed
    }
  })
})
