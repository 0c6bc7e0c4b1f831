/**
 * The config file's registry never silently undoes the running system: a real gateway process
 * is started with a file, changed with the CLI (and the registry, for what the CLI has no
 * command for), stopped and started again with the same file. A later edit of the file's own
 * entry is applied.
 */
import mqtt from 'mqtt'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse, stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { EventBus } from '../../gateway/events.ts'
import type { GatewayEvents } from '../../gateway/events.ts'
import { Registry } from '../../gateway/registry.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { childGateway } from '../helpers/child-gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'

const BIN = new URL('../../bin/chamdiem.js', import.meta.url).pathname

async function chamdiem(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, CHAMDIEM_LOG_JSON: '1' } })
  return stdout
}

/** The CONNACK return code a box gets (0 = accepted). */
async function connack(port: number, boxId: string, secret: string): Promise<number> {
  try {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: boxId, username: boxId, password: secret, reconnectPeriod: 0, connectTimeout: 10_000 })
    await c.endAsync()
    return 0
  } catch (err) {
    return (err as { code?: number }).code ?? -1
  }
}

function withRegistry<T>(dataDir: string, fn: (r: Registry) => T): T {
  const db = openDatabase(join(dataDir, 'chamdiem.db'))
  try {
    return fn(new Registry({ db, bus: new EventBus<GatewayEvents>(), timezone: 'Asia/Ho_Chi_Minh' }))
  } finally {
    db.close()
  }
}

const SHIFT = { counter: 'q1', officer: 'an', days: [1, 2, 3, 4, 5], from: '07:30', to: '11:30' }

describe('registry in the config file', () => {
  it('keeps retirement, rotated secrets, moves, renames and shift edits over restarts, and applies edits of the file', async () => {
    const dataDir = tempDir('chamdiem-regfile-')
    const registry = { ...OFFICE, shifts: [SHIFT] }
    const gw = await childGateway(dataDir, { registry })
    const c = ['--config', gw.configFile]
    await gw.start()
    for (const b of ['box-1', 'box-2', 'box-3']) expect(await connack(gw.mqttPort, b, SECRET(b))).toBe(0)

    // Changes of the running system, as an office's IT person makes them.
    await chamdiem(['box', 'retire', 'box-3', ...c])
    const rotated = /secret: (\S+)/.exec(await chamdiem(['box', 'provision', 'box-2', ...c]))![1]
    await chamdiem(['box', 'move', 'box-1', 'q2', ...c])
    await chamdiem(['officer', 'add-counter', 'q1', 'Quầy 1 (đổi tên)', '--office', 'hcc', ...c])
    await gw.kill('SIGTERM')
    // The dashboard moved An's Monday-Friday morning to Monday only, 08:00-11:00.
    withRegistry(dataDir, (r) => {
      for (const s of r.shifts('q1')) r.removeShift(s.id)
      r.addShift({ counterId: 'q1', officerId: 'an', weekday: 1, startMin: 480, endMin: 660 })
    })

    for (let restart = 0; restart < 2; restart++) {
      await gw.start()
      expect(await connack(gw.mqttPort, 'box-3', SECRET('box-3'))).toBe(5)
      expect(await connack(gw.mqttPort, 'box-2', SECRET('box-2'))).toBe(5)
      expect(await connack(gw.mqttPort, 'box-2', rotated)).toBe(0)
      expect(await connack(gw.mqttPort, 'box-1', SECRET('box-1'))).toBe(0)
      await gw.kill('SIGTERM')
      withRegistry(dataDir, (r) => {
        expect(r.boxes().map((b) => [b.id, b.counterId, b.retiredAt !== null])).toEqual([
          ['box-1', 'q2', false],
          ['box-2', 'q2', false],
          ['box-3', null, true],
        ])
        expect(r.counter('q1')?.name).toBe('Quầy 1 (đổi tên)')
        expect(r.shifts().map((s) => [s.counterId, s.officerId, s.weekday, s.startMin, s.endMin])).toEqual([['q1', 'an', 1, 480, 660]])
      })
    }

    // The operator edits the file's own entries: those are applied; a retired box stays retired.
    const edited = {
      ...registry,
      counters: [{ id: 'q1', office: 'hcc', name: 'Quầy 1 – Đất đai' }, OFFICE.counters[1]],
      // box-1's entry is unchanged (it stays where the CLI moved it); box-2 moves to q1 in the
      // file, which does not re-apply its old secret over the rotated one.
      boxes: [OFFICE.boxes[0], { id: 'box-2', counter: 'q1', secret: SECRET('box-2') }, { id: 'box-3', counter: 'q1', secret: SECRET('box-3') }],
      shifts: [SHIFT, { counter: 'q2', officer: 'binh', days: [6], from: '08:00', to: '12:00' }],
    }
    writeFileSync(gw.configFile, stringify({ ...parse(readFileSync(gw.configFile, 'utf8')), registry: edited }))
    await gw.start()
    expect(await connack(gw.mqttPort, 'box-3', SECRET('box-3'))).toBe(5)
    expect(await connack(gw.mqttPort, 'box-2', rotated)).toBe(0)
    expect(await connack(gw.mqttPort, 'box-2', SECRET('box-2'))).toBe(5)
    await gw.kill('SIGTERM')
    expect(gw.output()).toMatch(/box box-3 is retired.*chamdiem box provision box-3/)
    withRegistry(dataDir, (r) => {
      expect(r.counter('q1')?.name).toBe('Quầy 1 – Đất đai')
      expect(r.boxes().map((b) => [b.id, b.counterId])).toEqual([
        ['box-1', 'q2'],
        ['box-2', 'q1'],
        ['box-3', null],
      ])
      expect(r.shifts().map((s) => [s.counterId, s.officerId, s.weekday, s.startMin, s.endMin])).toEqual([
        ['q1', 'an', 1, 480, 660],
        ['q2', 'binh', 6, 480, 720],
      ])
    })
  }, 120_000)
})
