/**
 * A damaged database never takes presses: zeroed pages in the middle of the file (which
 * SQLite opens without complaint) or random bytes in pages stop the start with the reason
 * and the way out (restore a backup), in-process and from `chamdiem gateway` (exit 1, one
 * line, no stack). The untouched copy of the same file starts fine, so the check is not
 * refusing everything.
 */
import { copyFileSync, openSync, closeSync, writeSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../gateway/store/database.ts'
import { chamdiem } from '../helpers/cli.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'

const PAGE = 4096

/** A data directory holding a database of 20,000 presses, closed cleanly. */
function makeDataDir(): string {
  const dir = tempDir('chamdiem-dmg-')
  const db = openDatabase(join(dir, 'chamdiem.db'))
  const insert = db.prepare(
    "INSERT INTO presses (box_id, boot, seq, rating, received_at, age_ms, time_ms) VALUES (?, 'b', ?, 'positive', ?, 0, ?)",
  )
  db.transaction(() => {
    for (let i = 1; i <= 20_000; i++) insert.run(`box-${i % 7}`, i, 1_790_000_000_000 + i, 1_790_000_000_000 + i)
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return dir
}

function damage(dir: string, how: 'zeroed pages' | 'random bytes'): void {
  const file = join(dir, 'chamdiem.db')
  const pages = Math.floor(statSync(file).size / PAGE)
  const fd = openSync(file, 'r+')
  try {
    if (how === 'zeroed pages') {
      const middle = Math.floor(pages / 2)
      for (let p = middle; p < middle + 8; p++) writeSync(fd, Buffer.alloc(PAGE), 0, PAGE, p * PAGE)
    } else {
      for (const p of [Math.floor(pages / 3), Math.floor((2 * pages) / 3)]) writeSync(fd, randomBytes(512), 0, 512, p * PAGE + 100)
    }
  } finally {
    closeSync(fd)
  }
}

describe('a damaged database', () => {
  it.each(['zeroed pages', 'random bytes'] as const)('with %s refuses to start, saying why and what to do', async (how) => {
    const dir = makeDataDir()
    const intact = tempDir('chamdiem-dmg-')
    copyFileSync(join(dir, 'chamdiem.db'), join(intact, 'chamdiem.db'))
    damage(dir, how)
    await expect(startTestGateway({ dataDir: dir, registry: OFFICE })).rejects.toThrow(/chamdiem\.db is damaged \(.+\): refusing to store presses in it\. Stop, restore the newest backup/)

    const config = join(dir, 'gateway.yaml')
    writeFileSync(config, stringify({ dataDir: dir, mqtt: { host: '127.0.0.1', port: 0, wsPort: null }, http: { enabled: false } }))
    const r = await chamdiem(['gateway', '--config', config])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/is damaged/)
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/)

    const ok = await startTestGateway({ dataDir: intact, registry: OFFICE })
    expect(ok.gw.health().ok).toBe(true)
  }, 60_000)

  it('found by the background check of a large file, stops acknowledging and says why in health', async () => {
    const dir = makeDataDir()
    damage(dir, 'zeroed pages')
    // Waiting 0 ms: the gateway starts at once and the check goes on beside it.
    const t = await startTestGateway({ dataDir: dir, registry: OFFICE, config: { storage: { startCheckWaitMs: 0 } } })
    await expect.poll(() => t.gw.health().ok, { timeout: 20_000 }).toBe(false)
    const ingest = t.gw.health().parts.find((p) => p.name === 'ingest')!
    expect(ingest.state).toBe('failed')
    expect(ingest.error).toMatch(/is damaged/)
    // The broker no longer takes presses: a box cannot even connect.
    await expect(t.connectBox('box-1', SECRET('box-1'), { connectTimeout: 2000 })).rejects.toThrow()
  }, 60_000)
})
