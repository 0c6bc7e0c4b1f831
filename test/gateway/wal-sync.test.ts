/**
 * A failed WAL fsync is final (store/wal-sync.ts): no later sync succeeds, so no resend is
 * acknowledged against a row that may never reach the disk, and the gateway is told once.
 * The failure is a real one from the kernel: fsync(2) of a character device (/dev/null)
 * fails with EINVAL. A disk that fails fsync cannot be had here (issue 15's FUSE filesystem
 * will inject it).
 */
import { describe, expect, it } from 'vitest'
import { WalSync } from '../../gateway/store/wal-sync.ts'

describe('WAL fsync failure', () => {
  it('fails every later sync and calls onFatal once', async () => {
    const fatal: Error[] = []
    const sync = new WalSync('/dev/null', (err) => fatal.push(err))
    const first = sync.sync()
    const queued = sync.sync() // waits for the next fsync, shared
    await expect(first).rejects.toThrow(/fsync of \/dev\/null failed \(EINVAL\): acknowledgements stopped/)
    await expect(queued).rejects.toThrow(/acknowledgements stopped/)
    await expect(sync.sync()).rejects.toThrow(/acknowledgements stopped/)
    expect(fatal).toHaveLength(1)
    expect(sync.failed).toBe(fatal[0])
    sync.close()
  })

  it('resolves when the file syncs', async () => {
    const sync = new WalSync(new URL(import.meta.url).pathname)
    await expect(Promise.all([sync.sync(), sync.sync(), sync.sync()])).resolves.toBeDefined()
    expect(sync.syncs).toBeLessThanOrEqual(3)
    expect(sync.failed).toBeNull()
    sync.close()
  })
})
