/**
 * A registry change recomputes only the box configs it concerns (config-publisher.ts): a
 * sign-in at one counter republishes that counter's boxes' retained config, and the boxes
 * that showed the officer elsewhere, and leaves every other box alone. Checked as the boxes
 * see it: real mqtt.js clients logged in as boxes, subscribed to their own config topic.
 */
import { describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import { configTopic, decode, type ConfigPayload } from '../../protocol/index.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'

/** A box subscribed to its config; `received` holds every config after the first (retained) one. */
async function subscribedBox(t: TestGateway, boxId: string) {
  const client: MqttClient = await t.connectBox(boxId, SECRET(boxId))
  const all: ConfigPayload[] = []
  client.on('message', (_topic, payload) => {
    const r = decode('config', payload)
    if (r.ok) all.push(r.value)
  })
  await client.subscribeAsync(configTopic(boxId), { qos: 1 })
  await expect.poll(() => all.length).toBe(1) // the retained config
  return { received: () => all.slice(1) }
}

describe('box configs recomputed by scope', () => {
  it('a sign-in at one counter republishes its boxes and those showing the officer, and touches no other box', async () => {
    const t = await startTestGateway({
      registry: { ...OFFICE, boxes: [...OFFICE.boxes, { id: 'box-4', counter: 'q2', secret: SECRET('box-4') }] },
    })
    const [box1, box2, box3, box4] = await Promise.all(['box-1', 'box-2', 'box-3', 'box-4'].map((id) => subscribedBox(t, id)))
    t.gw.registry.signIn('an', 'q2')
    const anAtQ2 = expect.objectContaining({ counter: 'Quầy 2', officer: 'Nguyễn Văn An' })
    await expect.poll(() => box2.received()).toEqual([anAtQ2])
    await expect.poll(() => box4.received()).toEqual([anAtQ2])
    // q2 renamed behind the registry's back (no event): only a recompute of a q2 box would
    // publish the new name, so a q2 box that hears nothing more was not recomputed.
    t.gw.db.prepare("UPDATE counters SET name = 'Quầy Hai' WHERE id = 'q2'").run()

    t.gw.registry.signIn('binh', 'q1')
    await expect.poll(() => box1.received()).toEqual([expect.objectContaining({ counter: 'Quầy 1', officer: 'Trần Thị Bình' })])
    // The pass that sent box-1's config has sent everything it was going to.
    await new Promise((r) => setTimeout(r, 300))
    expect(box2.received()).toEqual([anAtQ2])
    expect(box4.received()).toEqual([anAtQ2])
    expect(box3.received()).toEqual([])

    // An, on duty at q2, signs in at q1: q1's box gets An, q2's boxes (showing An) lose her.
    t.gw.registry.signIn('an', 'q1')
    const nobodyAtQ2 = expect.objectContaining({ counter: 'Quầy Hai', officer: null })
    await expect.poll(() => box1.received().at(-1)).toMatchObject({ officer: 'Nguyễn Văn An' })
    await expect.poll(() => box2.received()).toEqual([anAtQ2, nobodyAtQ2])
    await expect.poll(() => box4.received()).toEqual([anAtQ2, nobodyAtQ2])
    await new Promise((r) => setTimeout(r, 300))
    expect(box1.received()).toHaveLength(2)
    expect(box3.received()).toEqual([])
  })
})
