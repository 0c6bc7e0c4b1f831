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
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../gateway/store/database.ts'
import { checkIntegrity, type IntegrityResult } from '../../gateway/store/integrity.ts'
import { chamdiem } from '../helpers/cli.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { freePort } from '../helpers/ports.ts'
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

  // The two moments a background check can end in. Each test holds the real check back and
  // lets it run at that moment, so neither depends on how fast this machine is (in CI the
  // check once ended while the parts were still starting, before ingest existed to be marked).
  it('found by the background check of a large file, stops acknowledging and says why in health', async () => {
    const dir = makeDataDir()
    damage(dir, 'zeroed pages')
    const held = holdCheck()
    // Waiting 0 ms: the gateway starts at once and the check goes on beside it.
    const t = await startTestGateway({ dataDir: dir, registry: OFFICE, config: { storage: { startCheckWaitMs: 0 } }, checkIntegrity: held.check })
    expect(t.gw.health().ok).toBe(true)
    held.release()
    await expect.poll(() => t.gw.health().ok, { timeout: 20_000 }).toBe(false)
    const ingest = t.gw.health().parts.find((p) => p.name === 'ingest')!
    expect(ingest.state).toBe('failed')
    expect(ingest.error).toMatch(/is damaged/)
    // The broker no longer takes presses: a box cannot even connect.
    await expect(t.connectBox('box-1', SECRET('box-1'), { connectTimeout: 2000 })).rejects.toThrow()
  }, 60_000)

  it('found while the parts are still starting, the start refuses and nothing is left listening', async () => {
    const dir = makeDataDir()
    damage(dir, 'zeroed pages')
    const held = holdCheck()
    const port = await freePort()
    const start = startTestGateway({
      dataDir: dir,
      registry: OFFICE,
      config: { storage: { startCheckWaitMs: 0 }, mqtt: { port, wsPort: null } },
      checkIntegrity: held.check,
      // The clock guard asks for the host's sync state midway through the start (before ingest
      // and the broker): the check is let go there and its verdict awaited.
      readClockSync: async () => {
        held.release()
        await held.verdict
        return { synchronised: true, source: 'chrony' }
      },
    })
    await expect(start).rejects.toThrow(/chamdiem\.db is damaged \(.+\): refusing to store presses in it/)
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { connectTimeout: 2000, reconnectPeriod: 0 })).rejects.toThrow(/ECONNREFUSED/)
    // The data directory is released: a second start (as systemd's restart) meets the check again.
    await expect(startTestGateway({ dataDir: dir, registry: OFFICE })).rejects.toThrow(/is damaged/)
  }, 60_000)
})

/** The real integrity check, started only when `release()` is called. */
function holdCheck(): { check: (file: string) => Promise<IntegrityResult>; release: () => void; verdict: Promise<IntegrityResult> } {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  let settle!: (r: IntegrityResult) => void
  const verdict = new Promise<IntegrityResult>((resolve) => (settle = resolve))
  const check = async (file: string) => {
    await gate
    const r = await checkIntegrity(file)
    settle(r)
    return r
  }
  return { check, release, verdict }
}
