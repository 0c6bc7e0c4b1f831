/**
 * An emulated box on a pseudo-terminal, for trying the device layer without hardware:
 *
 *   npx tsx simulator/board/run-pty-board.ts /tmp/ttyBOX
 *   CHAMDIEM_BOX_SECRET=... chamdiem box run --port /tmp/ttyBOX --broker mqtt://127.0.0.1:1883 --id box-1
 *
 * Keys 1, 2, 3 press the smiley, neutral and frown buttons; u unplugs / replugs the cable;
 * q quits. LED and piezo changes are printed.
 */
import { DEFAULT_WIRING } from '../../firmware/wiring.ts'
import { EmulatedUno } from './emulated-uno.ts'
import { readStandardFirmataHex } from './firmware-hex.ts'
import { PtyBoard } from './pty-board.ts'

const path = process.argv[2] ?? '/tmp/ttyCHAMDIEM'
const { buttons, leds, piezo } = DEFAULT_WIRING
const names = ['smiley', 'neutral', 'frown']

const uno = new EmulatedUno(await readStandardFirmataHex())
for (const pin of buttons) uno.drive(pin, true)
uno.start()
const pty = new PtyBoard(uno, path)
await pty.plug()
console.log(
  `emulated Uno running StandardFirmata on ${path}: keys 1/2/3 press buttons, u (un)plugs, q quits`,
)

let piezoOn = false
let piezoLast = 0
uno.on('pin', (pin, high) => {
  const led = leds.indexOf(pin)
  if (led >= 0) console.log(`LED ${names[led]} ${high ? 'on' : 'off'}`)
  if (pin === piezo) {
    piezoLast = performance.now()
    if (!piezoOn) {
      piezoOn = true
      console.log('piezo beeps')
    }
  }
})
const quietCheck = setInterval(() => {
  if (piezoOn && performance.now() - piezoLast > 50) piezoOn = false
}, 50)

async function press(index: number): Promise<void> {
  console.log(`press ${names[index]}`)
  uno.drive(buttons[index], false)
  await uno.elapse(100)
  uno.drive(buttons[index], true)
}

async function quit(): Promise<void> {
  clearInterval(quietCheck)
  await pty.unplug()
  uno.stop()
  process.exit(0)
}

process.once('SIGINT', () => void quit())
process.once('SIGTERM', () => void quit())
if (process.stdin.isTTY) process.stdin.setRawMode(true)
process.stdin.on('data', (data: Buffer) => {
  const key = data.toString()
  if (key === '1' || key === '2' || key === '3') void press(Number(key) - 1)
  else if (key === 'u') {
    if (pty.plugged) void pty.unplug().then(() => console.log('unplugged'))
    else void pty.plug().then(() => console.log('plugged in'))
  } else if (key === 'q' || key === '\u0003') void quit()
})
