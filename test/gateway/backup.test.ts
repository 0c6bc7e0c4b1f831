/**
 * Backups as an office's IT person relies on them: `chamdiem backup` taken while boxes stream
 * presses holds every press acknowledged before it started; `chamdiem restore` refuses while
 * the gateway runs and refuses a damaged file; a missing or emptied database stops the gateway
 * with the backup to restore; a schema migration is preceded by a backup; the daily backup's
 * result shows in health and /metrics. Real gateway processes, real MQTT clients, SQLite on disk.
 */
import Database from 'better-sqlite3'
import mqtt, { type MqttClient } from 'mqtt'
import { existsSync, readdirSync, truncateSync, writeFileSync, rmSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { listBackups } from '../../gateway/store/backup.ts'
import { MIGRATIONS } from '../../gateway/store/migrations.ts'
import { childGateway } from '../helpers/child-gateway.ts'
import { chamdiem } from '../helpers/cli.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'

const BOXES = ['bk-1', 'bk-2', 'bk-3']
const REGISTRY = { ...OFFICE, boxes: BOXES.map((id) => ({ id, counter: 'q1', secret: SECRET(id) })) }

/** A box that keeps its own ledger: every seq whose PUBACK arrived. */
function streamPresses(client: MqttClient, boxId: string, acked: Set<number>): () => void {
  let seq = 0
  let stopped = false
  let inFlight = 0
  const pump = () => {
    while (!stopped && inFlight < 10 && client.connected) {
      const s = ++seq
      inFlight++
      client.publish(pressTopic(boxId), JSON.stringify({ seq: s, boot: 'bk', rating: 'positive', ageMs: 0 }), { qos: 1 }, (err) => {
        inFlight--
        if (!err) acked.add(s)
        pump()
      })
    }
  }
  pump()
  return () => (stopped = true)
}

function storedSeqs(file: string, boxId: string): Set<number> {
  const db = new Database(file, { readonly: true })
  try {
    return new Set((db.prepare('SELECT seq FROM presses WHERE box_id = ?').pluck().all(boxId) as number[]))
  } finally {
    db.close()
  }
}

describe('backup and restore', () => {
  it('a backup taken under load holds every press acknowledged before it started; restore refuses while the gateway runs', async () => {
    const dataDir = tempDir('chamdiem-bk-')
    const gw = await childGateway(dataDir, { registry: REGISTRY })
    await gw.start()
    const ledgers = new Map(BOXES.map((b) => [b, new Set<number>()]))
    const clients = await Promise.all(BOXES.map((b) => mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { username: b, password: SECRET(b), clientId: b, reconnectPeriod: 0 })))
    const stops = clients.map((c, i) => streamPresses(c, BOXES[i], ledgers.get(BOXES[i])!))
    await expect.poll(() => [...ledgers.values()].every((l) => l.size > 500), { timeout: 30_000 }).toBe(true)

    const before = new Map([...ledgers].map(([b, l]) => [b, new Set(l)]))
    const backupDir = join(dataDir, 'manual')
    const r = await chamdiem(['backup', '--data-dir', dataDir, '--to', backupDir, '--keep', '2'])
    const ackedDuring = BOXES.reduce((n, b) => n + ledgers.get(b)!.size - before.get(b)!.size, 0)
    stops.forEach((s) => s())
    await Promise.all(clients.map((c) => c.endAsync()))
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/integrity ok/)
    // The gateway kept acknowledging while the copy was made.
    expect(ackedDuring).toBeGreaterThan(0)
    const [file] = listBackups(backupDir)
    for (const b of BOXES) {
      const inBackup = storedSeqs(file, b)
      const missing = [...before.get(b)!].filter((s) => !inBackup.has(s))
      expect(missing, `${b}: acknowledged before the backup but not in it`).toEqual([])
    }

    // Restoring under a running gateway would swap the file beneath it: refused, nothing moved.
    const refused = await chamdiem(['restore', file, '--data-dir', dataDir])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/a gateway \(pid \d+\) is running on .*: stop it first/)
    expect(readdirSync(dataDir).some((f) => f.startsWith('replaced-'))).toBe(false)

    // Stopped, the restore goes through, keeps the replaced database, and the gateway serves it.
    await gw.kill('SIGTERM')
    const ok = await chamdiem(['restore', file, '--data-dir', dataDir])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    const replaced = readdirSync(dataDir).filter((f) => f.startsWith('replaced-'))
    expect(replaced).toHaveLength(1)
    expect(storedSeqs(join(dataDir, replaced[0], 'chamdiem.db'), BOXES[0]).size).toBe(ledgers.get(BOXES[0])!.size)
    expect(storedSeqs(join(dataDir, 'chamdiem.db'), BOXES[0])).toEqual(storedSeqs(file, BOXES[0]))
    await gw.start()
    await gw.kill('SIGTERM')
  }, 120_000)

  it('refuses to restore a damaged or foreign file and leaves the live database alone', async () => {
    const dataDir = tempDir('chamdiem-bk-')
    const db = openDatabase(join(dataDir, 'chamdiem.db'))
    db.close()
    const junk = join(dataDir, 'junk.db')
    writeFileSync(junk, Buffer.alloc(8192, 7))
    const empty = join(dataDir, 'empty.db')
    writeFileSync(empty, '')
    const foreign = join(dataDir, 'foreign.db')
    new Database(foreign).exec('CREATE TABLE t (x)')
    for (const [file, reason] of [
      [junk, /file is not a database/],
      [empty, /is empty \(0 bytes\)/],
      [foreign, /not a chamdiem database/],
      [join(dataDir, 'nope.db'), /does not exist/],
    ] as const) {
      const r = await chamdiem(['restore', file, '--data-dir', dataDir])
      expect(r.code, file).toBe(1)
      expect(r.stderr).toMatch(/cannot be restored/)
      expect(r.stderr).toMatch(reason)
    }
    expect(readdirSync(dataDir).some((f) => f.startsWith('replaced-'))).toBe(false)
  })

  it('a missing or emptied database stops the gateway and names the backup to restore', async () => {
    const dataDir = tempDir('chamdiem-bk-')
    const t = await startTestGateway({ dataDir, registry: OFFICE })
    await t.stop()
    const b = await chamdiem(['backup', '--data-dir', dataDir])
    expect(b.code).toBe(0)
    const [newest] = listBackups(join(dataDir, 'backups'))
    const dbFile = join(dataDir, 'chamdiem.db')

    truncateSync(dbFile, 0)
    await expect(startTestGateway({ dataDir, registry: OFFICE })).rejects.toThrow(`${dbFile} is empty (0 bytes)`)
    await expect(startTestGateway({ dataDir, registry: OFFICE })).rejects.toThrow(`chamdiem restore ${newest}`)
    rmSync(dbFile)
    const r = await chamdiem(['box', 'list', '--data-dir', dataDir])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${dbFile} is missing`)
    expect(existsSync(dbFile)).toBe(false) // nothing created in its place

    copyFileSync(newest, dbFile)
    const again = await startTestGateway({ dataDir, registry: OFFICE })
    expect(again.gw.registry.boxExists('box-1')).toBe(true)
  })

  it('backs the database up before a schema migration', () => {
    const dataDir = tempDir('chamdiem-bk-')
    const file = join(dataDir, 'chamdiem.db')
    const old = new Database(file)
    const previous = MIGRATIONS[MIGRATIONS.length - 2]
    for (const m of MIGRATIONS.slice(0, -1)) old.exec(m.sql)
    old.pragma(`user_version = ${previous.version}`)
    old.exec("INSERT INTO offices (id, name) VALUES ('before', 'Trước khi nâng cấp')")
    old.close()

    const db = openDatabase(file)
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS[MIGRATIONS.length - 1].version)
    db.close()
    const backups = listBackups(join(dataDir, 'backups'))
    expect(backups).toHaveLength(1)
    expect(backups[0]).toMatch(new RegExp(`-pre-migration-v${previous.version}\\.db$`))
    const copy = new Database(backups[0], { readonly: true })
    expect(copy.pragma('user_version', { simple: true })).toBe(previous.version)
    expect(copy.prepare('SELECT name FROM offices WHERE id = ?').pluck().get('before')).toBe('Trước khi nâng cấp')
    copy.close()
    // Opening an up-to-date database makes no further backup.
    openDatabase(file).close()
    expect(listBackups(join(dataDir, 'backups'))).toHaveLength(1)
  })

  it('takes the daily backup at the configured local time and reports it in health and /metrics', async () => {
    // 02:29:59 in Hanoi; the backup is due at 02:30, one second later by the gateway's clock.
    const start = Date.parse('2026-11-23T02:29:59+07:00')
    const t0 = Date.now()
    const t = await startTestGateway({
      registry: OFFICE,
      standardParts: true,
      config: { backup: { enabled: true, at: '02:30', keep: 2 } },
      now: () => start + (Date.now() - t0),
    })
    const backupPart = () => t.gw.health().parts.find((p) => p.name === 'backup')
    expect(backupPart()?.state).toBe('running')
    // The backup runs as a `chamdiem backup` child process: give its start-up time on a busy machine.
    await expect.poll(() => (backupPart()?.status as { last: { ok: boolean } | null }).last?.ok, { timeout: 90_000 }).toBe(true)
    const status = backupPart()?.status as { last: { message: string }; nextAt: string }
    expect(status.last.message).toMatch(/chamdiem-\d{8}T\d{6}\d{3}Z-daily\.db: \d+ presses/)
    expect(status.nextAt).toBe('2026-11-23T19:30:00.000Z') // the next day's 02:30 in Hanoi
    expect(listBackups(join(t.dataDir, 'backups'))).toHaveLength(1)
    const metrics = t.gw.metrics()
    expect(metrics.find((m) => m.name === 'chamdiem_backup_last_ok')?.value).toBe(1)
    expect(metrics.find((m) => m.name === 'chamdiem_backup_last_success_timestamp_seconds')?.value).toBeGreaterThan(start / 1000)
  }, 120_000)
})
