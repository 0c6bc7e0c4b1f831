/**
 * The CLI writes to the store from another process while the gateway runs: the next press is
 * attributed to the officer the CLI signed in, even mid-minute, and the box's config follows.
 * The gateway's own press commits (a writer thread with its own connection) are no such change.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { configTopic, decode, pressTopic } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

const BIN = new URL('../../bin/chamdiem.js', import.meta.url).pathname

describe('changes made by the CLI while the gateway runs', () => {
  it('reach attribution and the box config', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const configs: Array<string | null> = []
    box.on('message', (_t, payload) => {
      const r = decode('config', payload)
      if (r.ok) configs.push(r.value.officer)
    })
    await box.subscribeAsync(configTopic('box-1'), { qos: 1 })
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 }) // fills the attribution cache
    const file = join(t.dataDir, 'cli.yaml')
    writeFileSync(file, stringify({ dataDir: t.dataDir }))
    await promisify(execFile)(process.execPath, [BIN, 'duty', 'in', 'binh', 'q1', '--config', file])
    await box.publishAsync(pressTopic('box-1'), press(2, 'positive', { repeat: false }), { qos: 1 })
    expect(t.gw.db.prepare('SELECT seq, officer_id FROM presses ORDER BY seq').all()).toEqual([
      { seq: 1, officer_id: null },
      { seq: 2, officer_id: 'binh' },
    ])
    await expect
      .poll(() => configs, { message: 'the config topic to name the officer signed in by the CLI', timeout: 10_000 })
      .toContain('Trần Thị Bình')
  })

  it('attributes presses on both sides of a mid-minute sign-in correctly', async () => {
    let clock = Date.parse('2026-11-23T14:00:10+07:00')
    const t = await startTestGateway({ registry: OFFICE, now: () => clock })
    t.gw.registry.signIn('an', 'q1', Date.parse('2026-11-23T13:00:00+07:00'))
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive', { repeat: false }), { qos: 1 })
    t.gw.registry.signIn('cuong', 'q1', Date.parse('2026-11-23T14:00:30+07:00'))
    clock = Date.parse('2026-11-23T14:00:40+07:00')
    await box.publishAsync(pressTopic('box-1'), press(2, 'positive', { repeat: false }), { qos: 1 })
    // Received after the sign-in but pressed 15 s before it (ageMs): still an's.
    await box.publishAsync(pressTopic('box-1'), press(3, 'positive', { repeat: false, ageMs: 25_000 }), { qos: 1 })
    expect(t.gw.db.prepare('SELECT seq, officer_id FROM presses ORDER BY seq').all()).toEqual([
      { seq: 1, officer_id: 'an' },
      { seq: 2, officer_id: 'cuong' },
      { seq: 3, officer_id: 'an' },
    ])
  })

  it('is seen while the writer thread commits presses, and the commits themselves are no registry change', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const external: string[] = []
    t.gw.bus.on('registryChanged', 'test', (c) => {
      if (c.kind === 'external') external.push(c.kind)
    })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    const presses = (from: number, n: number) => Promise.all(Array.from({ length: n }, (_, i) => box.publishAsync(pressTopic('box-1'), press(from + i, 'positive'), { qos: 1 })))
    await presses(1, 200)
    await new Promise((r) => setTimeout(r, 1500)) // the gateway's once-a-second look included
    expect(t.gw.ingest.stats.commits, 'several group commits').toBeGreaterThan(1)
    expect(external, 'registry changes from elsewhere while only presses were stored').toEqual([])

    const file = join(t.dataDir, 'cli.yaml')
    writeFileSync(file, stringify({ dataDir: t.dataDir }))
    // The CLI signs binh in while presses stream in.
    const streaming = presses(201, 200)
    await promisify(execFile)(process.execPath, [BIN, 'duty', 'in', 'binh', 'q1', '--config', file])
    await streaming
    await box.publishAsync(pressTopic('box-1'), press(401, 'positive'), { qos: 1 })
    expect(t.gw.db.prepare('SELECT officer_id FROM presses WHERE seq = 401').pluck().get()).toBe('binh')
    expect(t.gw.db.prepare('SELECT count(*) FROM presses').pluck().get()).toBe(401)
    expect(external.length, 'the CLI’s sign-in seen from elsewhere').toBeGreaterThanOrEqual(1)
  })
})
