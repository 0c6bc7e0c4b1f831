/**
 * Boxes plugged into the gateway's own host, as the gateway runs them: by port path or USB
 * serial number, presses entering the gateway's ingest in-process. A box whose port is
 * missing retries on its own and does not hold up the others.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { usbSerialNumberConnector } from '../../firmware/connector.ts'
import { InProcessLink } from '../../firmware/in-process-link.ts'
import { UsbBoxes } from '../../firmware/usb-boxes.ts'
import { registerCleanup, runFileCleanups } from '../helpers/cleanup.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { testLogger } from '../helpers/log.ts'
import { OFFICE } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { nextReady, pressButton, startBox, startPtyUno, waitFor } from './helpers.ts'

afterAll(runFileCleanups)

describe('USB boxes run by the gateway', () => {
  it('runs each configured box; a missing port does not hold up the others', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    t.gw.registry.signIn('binh', 'q2')
    const { uno, path } = await startPtyUno()
    const usb = new UsbBoxes({
      boxes: [
        { box: 'box-1', path: join(tempDir(), 'ttyNOTHERE') },
        { box: 'box-2', path },
      ],
      gateway: t.gw.ingest,
      queueDir: tempDir(),
      log: testLogger(),
      boxDefaults: { reportVersionTimeoutMs: 300, reconnect: { minMs: 100, maxMs: 500 } },
    })
    registerCleanup(() => usb.stop())
    await usb.start()
    const [missing, present] = usb.boxes
    await waitFor('box-2 ready', () => present.boardReady)
    await new Promise((r) => setTimeout(r, 50))
    const acked = new Promise((r) => present.once('acked', r))
    await pressButton(uno, 2)
    await acked
    expect(t.gw.db.prepare('SELECT box_id, rating, officer_id FROM presses').all()).toEqual([
      { box_id: 'box-2', rating: 'negative', officer_id: 'binh' },
    ])
    expect(missing.boardReady).toBe(false)
    expect(usb.status()).toEqual([
      { box: 'box-1', port: expect.stringContaining('ttyNOTHERE'), board: 'not connected', queued: 0 },
      { box: 'box-2', port: path, board: 'ready', queued: 0 },
    ])
  })

  it('finds a board by its USB serial number, whatever its port', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const { uno, path } = await startPtyUno()
    const ports = [{ path: '/dev/ttyS0' }, { path, serialNumber: '8573531373335171E0B1' }]
    const connector = usbSerialNumberConnector('8573531373335171E0B1', { list: async () => ports })
    const box = await startBox(uno, new InProcessLink({ boxId: 'box-3', gateway: t.gw.ingest }), {
      boxId: 'box-3',
      connector,
      reportVersionTimeoutMs: 300,
    })
    await nextReady(box)
    await new Promise((r) => setTimeout(r, 50))
    const acked = new Promise((r) => box.once('acked', r))
    await pressButton(uno, 1)
    await acked

    const absent = usbSerialNumberConnector('NOPE', { list: async () => ports })
    await expect(absent.create()).rejects.toThrow(`USB serial number NOPE: no such device plugged in (serial ports: /dev/ttyS0, ${path} (8573531373335171E0B1))`)
  })
})
