/**
 * The power-loss filesystem itself: after a cut, what was fsynced is there and what was not
 * is gone — file data until the file is fsynced, a new, renamed or removed entry until its
 * directory is fsynced — so the tests built on it can find what a `kill -9` cannot.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mountVolatileFs, volatileFsUnavailable } from './volatile-fs.ts'

const unavailable = volatileFsUnavailable()

function fsync(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Writes a file and fsyncs it and its directory: durable, as a careful program does. */
function writeDurably(file: string, data: string | Buffer): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  const fd = openSync(file, 'w')
  writeSync(fd, bytes)
  fsyncSync(fd)
  closeSync(fd)
  fsync(join(file, '..'))
}

describe.skipIf(unavailable !== null)(`volatile filesystem${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('keeps file data up to the last fsync and loses what was written after it', async () => {
    const fs = await mountVolatileFs()
    const file = join(fs.dir, 'log')
    writeDurably(file, 'synced.')
    const fd = openSync(file, 'a')
    writeSync(fd, ' not synced')
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe('synced. not synced')
    const report = await fs.powerLoss()
    expect(readFileSync(file, 'utf8')).toBe('synced.')
    expect(report.files_reverted).toBe(1)
  })

  it('loses a new file whose directory was not fsynced, even when the file was', async () => {
    const fs = await mountVolatileFs()
    const fd = openSync(join(fs.dir, 'new'), 'w')
    writeSync(fd, 'data')
    fsyncSync(fd)
    closeSync(fd)
    writeFileSync(join(fs.dir, 'unsynced'), 'x')
    const report = await fs.powerLoss()
    expect(readdirSync(fs.dir).filter((f) => f !== '.volatile-fs')).toEqual([])
    expect(report.lost_entries.sort()).toEqual(['new', 'unsynced'])
  })

  it('keeps a new file once its directory is fsynced, with only its synced bytes', async () => {
    const fs = await mountVolatileFs()
    writeFileSync(join(fs.dir, 'a'), 'never fsynced')
    const fd = openSync(join(fs.dir, 'b'), 'w')
    writeSync(fd, 'fsynced')
    fsyncSync(fd)
    closeSync(fd)
    fsync(fs.dir)
    await fs.powerLoss()
    expect(readFileSync(join(fs.dir, 'a'), 'utf8')).toBe('')
    expect(readFileSync(join(fs.dir, 'b'), 'utf8')).toBe('fsynced')
  })

  it('undoes a rename or an unlink whose directory was not fsynced, and keeps one that was', async () => {
    const fs = await mountVolatileFs()
    writeDurably(join(fs.dir, 'config'), 'old')
    writeDurably(join(fs.dir, 'gone'), 'still here')
    // The atomic-replace pattern, without the final directory fsync.
    writeDurably(join(fs.dir, 'config.tmp'), 'new')
    renameSync(join(fs.dir, 'config.tmp'), join(fs.dir, 'config'))
    unlinkSync(join(fs.dir, 'gone'))
    await fs.powerLoss()
    expect(readFileSync(join(fs.dir, 'config'), 'utf8')).toBe('old')
    expect(readFileSync(join(fs.dir, 'config.tmp'), 'utf8')).toBe('new')
    expect(readFileSync(join(fs.dir, 'gone'), 'utf8')).toBe('still here')

    renameSync(join(fs.dir, 'config.tmp'), join(fs.dir, 'config'))
    fsync(fs.dir)
    await fs.powerLoss()
    expect(readFileSync(join(fs.dir, 'config'), 'utf8')).toBe('new')
    expect(existsSync(join(fs.dir, 'config.tmp'))).toBe(false)
  })

  it('loses a new directory with everything in it until its parent is fsynced', async () => {
    const fs = await mountVolatileFs()
    mkdirSync(join(fs.dir, 'backups'))
    writeDurably(join(fs.dir, 'backups', 'b1'), 'backup')
    await fs.powerLoss()
    expect(existsSync(join(fs.dir, 'backups'))).toBe(false)

    mkdirSync(join(fs.dir, 'backups'))
    writeDurably(join(fs.dir, 'backups', 'b1'), 'backup')
    fsync(fs.dir)
    await fs.powerLoss()
    expect(readFileSync(join(fs.dir, 'backups', 'b1'), 'utf8')).toBe('backup')
  })

  it('undoes an unsynced truncate and an overwrite in the middle of a file', async () => {
    const fs = await mountVolatileFs()
    const file = join(fs.dir, 'db')
    const before = Buffer.alloc(3 * 4096 + 100, 'a')
    writeDurably(file, before)
    const fd = openSync(file, 'r+')
    writeSync(fd, Buffer.alloc(5000, 'b'), 0, 5000, 4000)
    closeSync(fd)
    truncateSync(file, 1000)
    await fs.powerLoss()
    expect(readFileSync(file).equals(before)).toBe(true)
  })

  it('with torn writes, every unsynced page is either old or new and the size one of the two', async () => {
    const fs = await mountVolatileFs()
    const file = join(fs.dir, 'wal')
    const page = (c: string) => Buffer.alloc(4096, c)
    writeDurably(file, Buffer.concat([page('a'), page('a')]))
    const fd = openSync(file, 'r+')
    for (let p = 0; p < 8; p++) writeSync(fd, page('b'), 0, 4096, p * 4096)
    closeSync(fd)
    const report = await fs.powerLoss({ tear: true, seed: 7 })
    const after = readFileSync(file)
    expect([2 * 4096, 8 * 4096]).toContain(statSync(file).size)
    for (let p = 0; p < after.length / 4096; p++) {
      const got = after.subarray(p * 4096, (p + 1) * 4096)
      const allowed = p < 2 ? [page('a'), page('b')] : [Buffer.alloc(4096), page('b')]
      expect(allowed.some((b) => b.equals(got)), `page ${p}`).toBe(true)
    }
    expect(report.pages_kept).toBeGreaterThan(0)
    expect(report.pages_dropped).toBeGreaterThan(0)
  })

  it('with torn writes, a file cut shorter and rewritten (a WAL truncated and restarted) comes back at either size, each page old or new', async () => {
    // A TRUNCATE checkpoint cuts the WAL to 0 without an fsync and the next commit writes
    // a 32-byte header: torn at the new, shorter size, the old first page is cut to it.
    const fs = await mountVolatileFs()
    const file = join(fs.dir, 'wal')
    const old = Buffer.alloc(3 * 4096, 'a')
    const now = Buffer.concat([Buffer.alloc(32, 'h'), Buffer.alloc(3 * 4096 - 32)])
    const sizes = new Set<number>()
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      writeDurably(file, old)
      truncateSync(file, 0)
      const fd = openSync(file, 'r+')
      writeSync(fd, Buffer.alloc(32, 'h'), 0, 32, 0)
      closeSync(fd)
      await fs.powerLoss({ tear: true, seed })
      const after = readFileSync(file)
      sizes.add(after.length)
      expect([32, old.length], `seed ${seed}`).toContain(after.length)
      for (let p = 0; p * 4096 < after.length; p++) {
        const got = after.subarray(p * 4096, (p + 1) * 4096)
        const end = p * 4096 + got.length
        expect([old.subarray(p * 4096, end), now.subarray(p * 4096, end)].some((b) => b.equals(got)), `seed ${seed}, page ${p}`).toBe(true)
      }
    }
    expect([...sizes].sort()).toEqual([32, old.length].sort())
  })
})
