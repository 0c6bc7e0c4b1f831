/**
 * An I/O error of the press writer's commit is final (store/writer-thread.ts): the disk under
 * a running gateway starts failing every operation (the power-loss filesystem's cut, with the
 * gateway still running on it), the commit of the next group fails with SQLITE_IOERR, and from
 * then on no press is acknowledged, ingest is down in health and the broker is closed: the
 * boxes keep their presses for the restarted gateway. A failure from the kernel, not a mock.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { mountVolatileFs, volatileFsUnavailable } from './volatile-fs.ts'

const unavailable = volatileFsUnavailable()

describe.skipIf(unavailable !== null)(`the press writer on a failing disk${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('an I/O error of a commit acknowledges nothing of it or after it, and takes ingest down', async () => {
    const fs = await mountVolatileFs()
    const dataDir = join(fs.dir, 'data')
    mkdirSync(dataDir)
    const fd = openSync(fs.dir, 'r')
    fsyncSync(fd)
    closeSync(fd)
    const t = await startTestGateway({ registry: OFFICE, dataDir })
    const box = await t.connectBox('box-1', SECRET('box-1'))
    box.on('error', () => undefined)
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    expect(t.gw.ingest.stats.accepted).toBe(1)

    // From here on every read and write of the disk fails with EIO.
    writeFileSync(join(fs.dir, '.volatile-fs'), 'powerloss\n')
    const acked: number[] = []
    const failed: number[] = []
    for (let seq = 2; seq <= 21; seq++) {
      box.publishAsync(pressTopic('box-1'), press(seq, 'positive'), { qos: 1 }).then(
        () => acked.push(seq),
        () => failed.push(seq),
      )
    }
    await expect
      .poll(() => t.gw.health().parts.find((p) => p.name === 'ingest'), { message: 'ingest marked failed', timeout: 15_000 })
      .toMatchObject({ state: 'failed', error: expect.stringMatching(/I\/O error \(SQLITE_IOERR[A-Z_]*: .*\): acknowledgements stopped/) })
    expect(t.gw.health().ok).toBe(false)
    expect(t.gw.ingest.stats.commitFailures).toBeGreaterThanOrEqual(1)
    // The broker is closed: the box loses its connection with its presses unacknowledged.
    await expect.poll(() => box.connected, { timeout: 10_000 }).toBe(false)
    await new Promise((r) => setTimeout(r, 200))
    expect(acked, 'presses acknowledged after the disk failed').toEqual([])
    expect(t.gw.ingest.stats.accepted).toBe(1)
    // Nor is anything that comes in some other way (a USB box).
    await expect(t.gw.ingest.submit('box-1', 'press', Buffer.from(press(99, 'positive')))).rejects.toThrow()
    expect(t.gw.ingest.stats.accepted).toBe(1)
  })
})
