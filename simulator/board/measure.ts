/**
 * Measures the emulated board with the real device layer: Firmata handshake time (stream
 * opened -> johnny-five ready) and press latency (pin driven low -> the device layer's press
 * event). `npx tsx simulator/board/measure.ts [boots] [presses]`; prints one JSON line.
 * Figures depend on the host's load: the emulator needs about a third of a core in real time.
 */
import { BoardSession } from '../../firmware/board-session.ts'
import { streamConnector } from '../../firmware/connector.ts'
import { resolveWiring } from '../../firmware/wiring.ts'
import { EmulatedUno } from './emulated-uno.ts'
import { readStandardFirmataHex } from './firmware-hex.ts'

export interface BoardFigures {
  handshakeMs: number[]
  pressLatencyMs: number[]
  bootToFirstByteMs: number[]
}

export async function measureEmulatedBoard(boots = 3, presses = 20): Promise<BoardFigures> {
  const hex = await readStandardFirmataHex()
  const wiring = resolveWiring()
  const figures: BoardFigures = { handshakeMs: [], pressLatencyMs: [], bootToFirstByteMs: [] }
  for (let b = 0; b < boots; b++) {
    const uno = new EmulatedUno(hex)
    for (const pin of wiring.buttons) uno.drive(pin, true)
    uno.start()
    const session = new BoardSession({
      connector: streamConnector('emulated-uno', () => uno.connectSerial()),
      wiring,
      handshakeTimeoutMs: 20_000,
      reportVersionTimeoutMs: 5000,
      debounceMs: 50,
    })
    await session.open()
    figures.handshakeMs.push(session.handshakeMs ?? NaN)
    figures.bootToFirstByteMs.push(Math.round(uno.bootMs ?? NaN))
    if (b === 0) {
      for (let i = 0; i < presses; i++) {
        const index = i % 3
        const pressed = new Promise<number>((resolve) =>
          session.once('press', (_i, at) => resolve(at)),
        )
        const drivenAt = performance.now()
        uno.drive(wiring.buttons[index], false)
        const at = await pressed
        figures.pressLatencyMs.push(Math.round((at - drivenAt) * 10) / 10)
        await uno.elapse(60)
        uno.drive(wiring.buttons[index], true)
        await new Promise((r) => setTimeout(r, 120))
      }
    }
    await session.close()
    uno.stop()
  }
  return figures
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

if (import.meta.url === `file://${process.argv[1]}`) {
  const [boots, presses] = process.argv.slice(2).map(Number)
  const f = await measureEmulatedBoard(boots || 3, presses || 20)
  console.log(
    JSON.stringify({
      handshakeMedianMs: median(f.handshakeMs),
      pressLatencyMedianMs: median(f.pressLatencyMs),
      pressLatencyMaxMs: Math.max(...f.pressLatencyMs),
      ...f,
    }),
  )
}
