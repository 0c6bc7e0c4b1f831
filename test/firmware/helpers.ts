/**
 * Emulated boards running the real StandardFirmata, and boxes driving them, for the device
 * layer tests. Each helper registers its cleanup in the same call. Keep boards few: each one
 * costs about a third of a core.
 */
import { join } from 'node:path'
import { Box, type BoxOptions } from '../../firmware/box.ts'
import { serialPortConnector, streamConnector } from '../../firmware/connector.ts'
import type { Link } from '../../firmware/link.ts'
import { DEFAULT_WIRING } from '../../firmware/wiring.ts'
import { EmulatedUno } from '../../simulator/board/emulated-uno.ts'
import { readStandardFirmataHex } from '../../simulator/board/firmware-hex.ts'
import { PtyBoard } from '../../simulator/board/pty-board.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { testLogger } from '../helpers/log.ts'
import { tempDir } from '../helpers/tmp.ts'

export const BUTTONS = DEFAULT_WIRING.buttons
export const LEDS = DEFAULT_WIRING.leds
export const PIEZO = DEFAULT_WIRING.piezo as number

/** A powered emulated Uno with StandardFirmata, buttons idle (driven high: avr8js has no pull-ups). */
export async function startUno(): Promise<EmulatedUno> {
  const uno = new EmulatedUno(await readStandardFirmataHex())
  for (const pin of BUTTONS) uno.drive(pin, true)
  uno.start()
  registerCleanup(() => uno.stop())
  return uno
}

/** The board behind a real pseudo-terminal (socat), reached through serialport. */
export async function startPtyUno(): Promise<{ uno: EmulatedUno; pty: PtyBoard; path: string }> {
  const uno = await startUno()
  const path = join(tempDir('chamdiem-pty-'), 'ttyBOX')
  const pty = new PtyBoard(uno, path)
  registerCleanup(() => pty.unplug())
  await pty.plug()
  return { uno, pty, path }
}

/** A started Box on an emulated board's in-memory UART. */
export async function startBox(
  uno: EmulatedUno,
  link: Link,
  opts: Partial<BoxOptions> & { boxId: string },
): Promise<Box> {
  const box = new Box({
    connector: streamConnector('emulated-uno', () => uno.connectSerial()),
    link,
    queueFile: join(tempDir('chamdiem-box-'), `${opts.boxId}.queue.jsonl`),
    log: testLogger(),
    reconnect: { minMs: 100, maxMs: 1000 },
    ...opts,
  })
  registerCleanup(() => box.stop())
  await box.start()
  return box
}

/** A started Box reaching its board through a serial port path. */
export async function startSerialBox(path: string, link: Link, opts: Partial<BoxOptions> & { boxId: string }): Promise<Box> {
  return startBox(null as unknown as EmulatedUno, link, {
    connector: serialPortConnector(path),
    // The pty does not reset the board when opened (a real Uno does), so ask for the version soon.
    reportVersionTimeoutMs: 300,
    ...opts,
  })
}

/** Presses a button like a citizen: contact closed for `holdMs`, then released. */
export async function pressButton(uno: EmulatedUno, index: number, holdMs = 80): Promise<void> {
  uno.drive(BUTTONS[index], false)
  await uno.elapse(holdMs)
  uno.drive(BUTTONS[index], true)
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Polls until `check` returns a truthy value; fails with `what` after `timeoutMs`. Kept as a
 * loop: the same wait through vi.waitFor missed the 800 ms LED feedback of emulated boards in
 * link-contract.test.ts in 3 of 4 runs on a loaded host (this loop: 2 of 2 green).
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** Resolves on the box's next boardReady. */
export function nextReady(box: Box): Promise<{ firmware: string | null; handshakeMs: number | null }> {
  return new Promise((resolve) => box.once('boardReady', resolve))
}
