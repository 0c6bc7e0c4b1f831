import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, resolveConfig } from '../../gateway/config.ts'
import { EventBus, type GatewayEvents } from '../../gateway/events.ts'
import { Registry } from '../../gateway/registry.ts'
import { importRegistry, RegistryImportError } from '../../gateway/registry-import.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('config file', () => {
  it('fills every default', () => {
    const c = resolveConfig({}, 'x', {})
    expect(c.mqtt).toEqual({
      host: '0.0.0.0',
      port: 1883,
      wsPort: 9001,
      plain: true,
      concurrency: 1000,
      maxPacketBytes: 4096,
      maxTakeoversPerMinute: 6,
      takeoverLockoutMs: 60_000,
    })
    expect(resolveConfig({ mqtt: { tls: { cert: 'c.pem', key: 'k.pem' } } }, 'x', {}).mqtt.tls).toEqual({ port: 8883, wsPort: null, cert: 'c.pem', key: 'k.pem' })
    expect(c.ingest.cooldownMs).toBe(5000)
    expect(c.influx).toBeNull()
    expect(Object.isFrozen(c.mqtt)).toBe(true)
  })

  it('reports every problem at once, each as path: problem', () => {
    const file = join(tempDir(), 'bad.yaml')
    writeFileSync(file, 'mqtt:\n  port: "x"\n  colour: red\ningest:\n  cooldownMs: -1\ninflux:\n  api: v3\ntimezone: Mars/Olympus\nregistry:\n  boxes:\n    - id: "a b"\n')
    let err: ConfigError | undefined
    try {
      loadConfig(file, {})
    } catch (e) {
      err = e as ConfigError
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect(err!.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/mqtt\/colour: unexpected property/),
        expect.stringMatching(/^\/mqtt\/port: expected integer \(got "x"\)/),
        expect.stringMatching(/^\/ingest\/cooldownMs: expected integer to be greater or equal to 0/),
        expect.stringMatching(/^\/influx\/api: /),
        expect.stringMatching(/^\/registry\/boxes\/0\/id: /),
      ]),
    )
    expect(err!.message).toContain(file)
  })

  it('names a missing file and broken YAML', () => {
    expect(() => loadConfig('/nonexistent/chamdiem.yaml', {})).toThrow(/cannot read the file \(ENOENT\)/)
    const file = join(tempDir(), 'broken.yaml')
    writeFileSync(file, 'mqtt: [1, 2\n')
    expect(() => loadConfig(file, {})).toThrow(/not valid YAML/)
  })

  it('takes environment overrides named from the schema', () => {
    const c = resolveConfig({ mqtt: { port: 1 } }, 'x', { CHAMDIEM_MQTT_PORT: '1999', CHAMDIEM_INGEST_COOLDOWN_MS: '3000', CHAMDIEM_DATA_DIR: '/var/lib/x' })
    expect([c.mqtt.port, c.ingest.cooldownMs, c.dataDir]).toEqual([1999, 3000, '/var/lib/x'])
    expect(() => resolveConfig({}, 'x', { CHAMDIEM_MQTT_PORT: 'abc' })).toThrow(/\/mqtt\/port: expected integer/)
  })

  it('takes InfluxDB secrets from the environment, and never turns forwarding on by a token alone', () => {
    const c = resolveConfig({ influx: { api: 'v2', url: 'http://127.0.0.1:8086' } }, 'x', { CHAMDIEM_INFLUX_TOKEN: 't0ken' })
    expect(c.influx).toMatchObject({ api: 'v2', token: 't0ken', bucket: 'chamdiem' })
    expect(() => resolveConfig({}, 'x', { CHAMDIEM_INFLUX_TOKEN: 't0ken' })).toThrow(/\/influx\/token: CHAMDIEM_INFLUX_TOKEN is set but InfluxDB forwarding is off/)
    expect(resolveConfig({}, 'x', { CHAMDIEM_INFLUX_URL: 'http://127.0.0.1:8087', CHAMDIEM_INFLUX_API: 'v1' }).influx).toMatchObject({ api: 'v1', url: 'http://127.0.0.1:8087', database: 'chamdiem' })
  })
})

describe('registry import', () => {
  it('is idempotent and keeps changes made since', () => {
    const db = openDatabase(join(tempDir(), 'r.db'))
    const reg = new Registry({ db, bus: new EventBus<GatewayEvents>(), timezone: 'Asia/Ho_Chi_Minh' })
    const section = { ...OFFICE, boxes: [...OFFICE.boxes, { id: 'box-new', counter: 'q2' }], shifts: [{ counter: 'q1', officer: 'an', days: [1, 2], from: '08:00', to: '11:30' }] }
    const first = importRegistry(reg, db, section)
    expect(first.newSecrets.map((s) => s.boxId)).toEqual(['box-new'])
    expect(reg.verifyBox('box-new', first.newSecrets[0].secret)).toBe(true)
    const snapshot = () => JSON.stringify([reg.offices(), reg.counters(), reg.officers(), reg.boxes(), reg.shifts(), db.prepare('SELECT * FROM box_assignments').all()])
    const before = snapshot()
    expect(importRegistry(reg, db, section).newSecrets).toEqual([]) // the generated secret is kept
    expect(snapshot()).toBe(before)
    expect(reg.verifyBox('box-new', first.newSecrets[0].secret)).toBe(true)
    db.close()
  })

  it('adopts what exists without a record (a database from before), and never brings a retired box back', () => {
    const db = openDatabase(join(tempDir(), 'r.db'))
    const reg = new Registry({ db, bus: new EventBus<GatewayEvents>(), timezone: 'Asia/Ho_Chi_Minh' })
    importRegistry(reg, db, OFFICE)
    reg.upsertCounter('q1', 'hcc', 'Renamed in the dashboard')
    reg.retireBox('box-3')
    // As if the records were lost (a database older than the table): existing entries are kept.
    db.prepare('DELETE FROM registry_file_applied').run()
    expect(importRegistry(reg, db, OFFICE).warnings).toEqual([])
    expect(reg.counter('q1')?.name).toBe('Renamed in the dashboard')
    expect(reg.verifyBox('box-3', SECRET('box-3'))).toBe(false)
    // The file's entry of the retired box changes: not applied, and the log says what to do.
    const edited = { ...OFFICE, boxes: OFFICE.boxes.map((b) => (b.id === 'box-3' ? { ...b, counter: 'q2', secret: 'another-secret-0123456789' } : b)) }
    const { warnings } = importRegistry(reg, db, edited)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/^box box-3 is retired: .*chamdiem box provision box-3/)
    expect(reg.verifyBox('box-3', 'another-secret-0123456789')).toBe(false)
    expect(reg.boxes().find((b) => b.id === 'box-3')).toMatchObject({ counterId: null })
    db.close()
  })

  it('names every entry that refers to something unknown', () => {
    const db = openDatabase(join(tempDir(), 'r.db'))
    const reg = new Registry({ db, bus: new EventBus<GatewayEvents>(), timezone: 'Asia/Ho_Chi_Minh' })
    let err: RegistryImportError | undefined
    try {
      importRegistry(reg, db, { ...OFFICE, counters: [...OFFICE.counters, { id: 'q9', office: 'nowhere', name: 'Q9' }], shifts: [{ counter: 'q1', officer: 'ghost', days: [1], from: '08:00', to: '09:00' }] })
    } catch (e) {
      err = e as RegistryImportError
    }
    expect(err?.problems).toEqual(['/registry/counters/2: unknown office "nowhere"', '/registry/shifts/0: unknown officer "ghost"'])
    db.close()
  })
})
