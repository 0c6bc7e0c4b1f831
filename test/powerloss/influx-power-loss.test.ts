/**
 * The InfluxDB forwarder's cursor across power cuts: the database (its outbox and cursor) is
 * on the volatile filesystem; the forwarder process is killed with SIGKILL while it forwards
 * and the power goes, several times; then it catches up. Every press is in InfluxDB 1.6.7
 * exactly once. A cut may take back the last cursor commits (the batch is sent again and
 * InfluxDB overwrites the same points), never move it past presses that are not there.
 */
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../gateway/store/database.ts'
import { startInfluxDb1 } from '../helpers/servers/influxdb.ts'
import { PressFactory, expectedPoints, pointKey } from '../influx/fixtures/presses.ts'
import { mountVolatileFs, volatileFsUnavailable } from './volatile-fs.ts'

const unavailable = volatileFsUnavailable()
const CHILD = fileURLToPath(new URL('../influx/fixtures/forwarder-child.ts', import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function cursorOf(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return (db.prepare("SELECT last_press_id AS n FROM forwarder_cursors WHERE name = 'influx'").get() as { n: number } | undefined)?.n ?? 0
  } finally {
    db.close()
  }
}

describe.skipIf(unavailable !== null)(`InfluxDB forwarder across power cuts${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('every press reaches InfluxDB exactly once over 5 power cuts of the forwarder', async () => {
    const influx = await startInfluxDb1({ database: 'powerloss' })
    const fs = await mountVolatileFs()
    const dataDir = join(fs.dir, 'data')
    mkdirSync(dataDir)
    const fd = openSync(fs.dir, 'r')
    fsyncSync(fd)
    closeSync(fd)
    const file = join(dataDir, 'chamdiem.db')
    const db = openDatabase(file)
    const total = 2000
    new PressFactory(db, { seed: 31 }).insert(total)
    db.close()
    const section = { api: 'v1', url: influx.url, database: 'powerloss', batchSize: 20, flushIntervalMs: 20 }

    const start = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
        env: { ...process.env, CHAMDIEM_DB: file, CHAMDIEM_INFLUX: JSON.stringify(section) },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let batches = 0
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (batches += chunk.split('\n').filter((l) => l.includes('"written"')).length))
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      return { child, exited, batches: () => batches }
    }

    const cursors: number[] = []
    for (let cut = 0; cut < 5; cut++) {
      const f = start()
      for (let i = 0; i < 1500 && f.batches() === 0; i++) await sleep(10)
      await sleep(Math.random() * 300)
      f.child.kill('SIGKILL')
      await f.exited
      await fs.powerLoss({ tear: cut % 2 === 1 })
      cursors.push(cursorOf(file))
    }
    const last = start()
    for (let i = 0; i < 3000 && cursorOf(file) < total; i++) await sleep(20)
    last.child.kill('SIGTERM')
    await last.exited

    const after = openDatabase(file)
    try {
      const rows = await influx.query('SELECT * FROM press', { database: 'powerloss' })
      const points = rows.map((r) => pointKey(r as Parameters<typeof pointKey>[0])).sort()
      expect(points, `cursors after each cut: ${cursors.join(' ')}`).toHaveLength(total)
      expect(points).toEqual(expectedPoints(after))
      console.log(`cursor after each of ${cursors.length} power cuts: ${cursors.join(' ')}`)
    } finally {
      after.close()
    }
  }, 180_000)
})
