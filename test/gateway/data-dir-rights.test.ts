/**
 * The data directory's rights: the store tightens its own directory (nothing for others), and
 * refuses a shared one such as /tmp (sticky bit) rather than take its rights away from every
 * other user of the machine.
 */
import { chmodSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../gateway/store/database.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('data directory rights', () => {
  it('takes the rights of others away from its own directory and file', () => {
    const dir = tempDir('chamdiem-rights-')
    chmodSync(dir, 0o755)
    openDatabase(join(dir, 'chamdiem.db')).close()
    expect(statSync(dir).mode & 0o7777).toBe(0o750)
    expect(statSync(join(dir, 'chamdiem.db')).mode & 0o777).toBe(0o640)
  })

  it('refuses a shared directory such as /tmp and leaves its rights alone', () => {
    const shared = tempDir('chamdiem-shared-')
    chmodSync(shared, 0o1777)
    expect(() => openDatabase(join(shared, 'chamdiem.db'))).toThrow(`${shared} is a shared directory (sticky bit, like /tmp): give dataDir a directory of its own`)
    expect(statSync(shared).mode & 0o7777).toBe(0o1777)
    expect(existsSync(join(shared, 'chamdiem.db'))).toBe(false)
  })
})
