/**
 * The real serialport code path: the emulated board behind a pseudo-terminal (socat). The
 * cable is pulled (the pty destroyed) with presses still waiting to be sent, and plugged in
 * again: the box reopens the port, builds a new johnny-five Board, and every press reaches
 * the gateway exactly once. A port that does not exist yet is retried, named in the error.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { InProcessGateway } from '../../firmware/in-process-link.ts'
import { InProcessLink } from '../../firmware/in-process-link.ts'
import { EmulatedUno } from '../../simulator/board/emulated-uno.ts'
import { readStandardFirmataHex } from '../../simulator/board/firmware-hex.ts'
import { PtyBoard } from '../../simulator/board/pty-board.ts'
import { join } from 'node:path'
import { SerialPort } from 'serialport'
import { runFileCleanups, registerCleanup } from '../helpers/cleanup.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { OFFICE } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { BUTTONS, LEDS, nextReady, pressButton, sleep, startPtyUno, startSerialBox, waitFor } from './helpers.ts'

afterAll(runFileCleanups)

/** The gateway's ingest with a valve: while closed, submissions wait (the gateway is slow or busy). */
function valve(t: TestGateway): InProcessGateway & { close(): void; open(): void } {
  let waiting: Array<() => void> = []
  let closed = false
  return {
    close: () => (closed = true),
    open: () => {
      closed = false
      for (const go of waiting) go()
      waiting = []
    },
    submit: async (boxId, kind, payload) => {
      if (closed && kind === 'press') await new Promise<void>((r) => waiting.push(r))
      await t.gw.ingest.submit(boxId, kind, payload)
    },
  }
}

const storedCount = (t: TestGateway, boxId: string): number =>
  (t.gw.db.prepare('SELECT COUNT(*) AS n FROM presses WHERE box_id = ?').get(boxId) as { n: number }).n

describe('a box on a serial port (pty)', () => {
  it('recovers when the cable is pulled and plugged in again, with exact counts', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const { uno, pty, path } = await startPtyUno()
    const gate = valve(t)
    const box = await startSerialBox(path, new InProcessLink({ boxId: 'box-1', gateway: gate }), { boxId: 'box-1', cooldownMs: 0 })
    await nextReady(box)

    // Two presses delivered normally.
    for (const i of [0, 1]) {
      const acked = new Promise((r) => box.once('acked', r))
      await pressButton(uno, i)
      await acked
    }
    expect(storedCount(t, 'box-1')).toBe(2)

    // Two more while the gateway holds them: queued, unacknowledged, when the cable goes.
    gate.close()
    await pressButton(uno, 2)
    await sleep(60)
    await pressButton(uno, 0)
    await waitFor('two presses queued', () => box.queued === 2)
    const lost = new Promise((r) => box.once('boardLost', r))
    await pty.unplug()
    await lost
    expect(box.boardReady).toBe(false)

    // The board is unpowered: pressing its buttons now does nothing.
    await pressButton(uno, 1)
    expect(box.queued).toBe(2)

    const ready = nextReady(box)
    await pty.plug()
    await ready
    gate.open()
    await waitFor('the queued presses delivered', () => box.queued === 0)

    // And the new board works.
    const acked = new Promise((r) => box.once('acked', r))
    await pressButton(uno, 1)
    await waitFor('LED lit on the new board', () => uno.isHigh(LEDS[1]))
    await acked
    const rows = t.gw.db.prepare('SELECT seq, rating FROM presses WHERE box_id = ? ORDER BY seq').all('box-1')
    expect(rows).toEqual([
      { seq: 1, rating: 'positive' },
      { seq: 2, rating: 'neutral' },
      { seq: 3, rating: 'negative' },
      { seq: 4, rating: 'positive' },
      { seq: 5, rating: 'neutral' },
    ])
  })

  it('names a missing port in its errors, keeps retrying, and connects once it appears', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const path = join(tempDir('chamdiem-pty-'), 'ttyLATER')
    const box = await startSerialBox(path, new InProcessLink({ boxId: 'box-2', gateway: t.gw.ingest }), { boxId: 'box-2' })
    const retries: Error[] = []
    box.on('boardLost', () => {})
    // The Box logs each failed attempt; the connection reports them as `retry` events.
    const board = (box as unknown as { board: import('node:events').EventEmitter }).board
    board.on('retry', (err: Error) => retries.push(err))
    await waitFor('two failed attempts', () => retries.length >= 2)
    expect(retries[0].message).toContain(path)
    expect(retries[0].message).toMatch(/no such file|cannot open/i)

    const uno = new EmulatedUno(await readStandardFirmataHex())
    for (const pin of BUTTONS) uno.drive(pin, true)
    uno.start()
    registerCleanup(() => uno.stop())
    const pty = new PtyBoard(uno, path)
    registerCleanup(() => pty.unplug())
    const ready = nextReady(box)
    await pty.plug()
    await ready
    const acked = new Promise((r) => box.once('acked', r))
    await pressButton(uno, 2)
    await acked
    expect(storedCount(t, 'box-2')).toBe(1)
  })

  it('names a busy port in its errors and connects once the other program lets go', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    const { uno, path } = await startPtyUno()
    const other = new SerialPort({ path, baudRate: 57600, autoOpen: false })
    await new Promise<void>((resolve, reject) => other.open((err) => (err ? reject(err) : resolve())))
    const box = await startSerialBox(path, new InProcessLink({ boxId: 'box-2', gateway: t.gw.ingest }), { boxId: 'box-2' })
    const retries: Error[] = []
    const board = (box as unknown as { board: import('node:events').EventEmitter }).board
    board.on('retry', (err: Error) => retries.push(err))
    await waitFor('a failed attempt', () => retries.length >= 1)
    expect(retries[0].message).toContain(path)
    expect(retries[0].message).toMatch(/lock|busy|unavailable/i)
    const ready = nextReady(box)
    await new Promise((r) => other.close(r))
    await ready
    const acked = new Promise((r) => box.once('acked', r))
    await pressButton(uno, 0)
    await acked
    expect(storedCount(t, 'box-2')).toBe(1)
  })

  it('names the port when the board does not answer the handshake, and keeps trying', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    // A port with nothing answering on it: the board is unpowered (or runs another sketch).
    const uno = new EmulatedUno(await readStandardFirmataHex())
    const path = join(tempDir('chamdiem-pty-'), 'ttySILENT')
    const pty = new PtyBoard(uno, path)
    registerCleanup(() => pty.unplug())
    await pty.plug()
    const box = await startSerialBox(path, new InProcessLink({ boxId: 'box-3', gateway: t.gw.ingest }), {
      boxId: 'box-3',
      handshakeTimeoutMs: 800,
    })
    const retries: Error[] = []
    const board = (box as unknown as { board: import('node:events').EventEmitter }).board
    board.on('retry', (err: Error) => retries.push(err))
    await waitFor('two failed handshakes', () => retries.length >= 2)
    expect(retries[0].message).toBe(`${path}: no Firmata handshake within 800 ms (is StandardFirmata flashed?)`)
    expect(box.boardReady).toBe(false)
  })
})
