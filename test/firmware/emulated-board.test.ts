/**
 * The emulated Uno itself: the firmware image is the verified StandardFirmata, the board
 * talks Firmata on its UART, and pins read back what the firmware drives.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { BoardSession } from '../../firmware/board-session.ts'
import { streamConnector } from '../../firmware/connector.ts'
import { resolveWiring } from '../../firmware/wiring.ts'
import { ensureStandardFirmataHex, FIRMATA_HEX_SHA256 } from '../../simulator/board/firmware-hex.ts'
import { loadIntelHex } from '../../simulator/board/intel-hex.ts'
import { runFileCleanups } from '../helpers/cleanup.ts'
import { BUTTONS, LEDS, startUno, waitFor } from './helpers.ts'

afterAll(runFileCleanups)

describe('emulated Uno', () => {
  it('runs the StandardFirmata image of avrgirl-arduino 5.0.1, checked by its sha256', async () => {
    const file = await ensureStandardFirmataHex()
    expect(await ensureStandardFirmataHex()).toBe(file) // idempotent
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(FIRMATA_HEX_SHA256)
  })

  it('refuses a corrupt image', () => {
    expect(() => loadIntelHex(':0400000001020304F0\n', new Uint8Array(16))).toThrow('bad checksum')
  })

  it('answers the Firmata handshake and drives the pins it is told to', async () => {
    const uno = await startUno()
    const session = new BoardSession({
      connector: streamConnector('emulated-uno', () => uno.connectSerial()),
      wiring: resolveWiring(),
      handshakeTimeoutMs: 20_000,
      reportVersionTimeoutMs: 5000,
      debounceMs: 50,
    })
    await session.open()
    expect(session.firmware).toMatch(/^StandardFirmata 2\.\d+$/)
    session.feedback(1, 'counted', 200, 0)
    await waitFor('LED on', () => uno.isHigh(LEDS[1]))
    expect(uno.isHigh(LEDS[0])).toBe(false)
    await waitFor('LED off after the feedback time', () => !uno.isHigh(LEDS[1]))
    await session.close()
  })

  it('counts a bouncing contact as one press', async () => {
    const uno = await startUno()
    const session = new BoardSession({
      connector: streamConnector('emulated-uno', () => uno.connectSerial()),
      wiring: resolveWiring(),
      handshakeTimeoutMs: 20_000,
      reportVersionTimeoutMs: 5000,
      // The debouncer times events by the host's clock; on a loaded host the emulator can
      // stretch 10 ms of emulated chatter over more wall time, hence a wide window here.
      debounceMs: 250,
    })
    await session.open()
    const presses: number[] = []
    session.on('press', (index) => presses.push(index))
    // A cheap switch closing: a few ms of chatter (emulated time), then firmly closed.
    for (const [low, high] of [[2, 1], [1, 3], [4, 2], [1, 1]]) {
      uno.drive(BUTTONS[0], false)
      await uno.elapse(low)
      uno.drive(BUTTONS[0], true)
      await uno.elapse(high)
    }
    uno.drive(BUTTONS[0], false)
    await uno.elapse(120)
    // And chatter again on release, slower than johnny-five's own 7 ms debounce can absorb.
    for (const [high, low] of [[1, 2], [12, 10], [15, 12]]) {
      uno.drive(BUTTONS[0], true)
      await uno.elapse(high)
      uno.drive(BUTTONS[0], false)
      await uno.elapse(low)
    }
    uno.drive(BUTTONS[0], true)
    await uno.elapse(200)
    await new Promise((r) => setTimeout(r, 100))
    expect(presses).toEqual([0])
    await session.close()
  })
})
