/**
 * An emulated board behind a real pseudo-terminal, so the device layer reaches it through
 * `serialport` exactly as it reaches an Arduino on /dev/ttyACM0. `socat` makes the pty (with
 * a stable symlink, like a udev rule would) and bridges it to its stdin/stdout, which are
 * wired to the emulator's UART.
 *
 * unplug() ends socat: the pty and its symlink disappear and the device layer sees its port
 * close. plug() makes a new pty at the same path and powers the board up again, as a USB
 * cable does (the board is powered from USB, so a replug is also a reset).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import type { EmulatedUno } from './emulated-uno.ts'

export class PtyBoard {
  private socat: ChildProcess | null = null
  private uart: Duplex | null = null

  constructor(
    private readonly uno: EmulatedUno,
    /** Where the pty's symlink goes, e.g. /tmp/chamdiem-xyz/ttyBOX1. */
    readonly path: string,
  ) {}

  get plugged(): boolean {
    return this.socat !== null
  }

  /** Creates the pty and connects the board to it; resolves once the path exists. */
  async plug(): Promise<void> {
    if (this.socat) return
    const socat = spawn('socat', ['-b', '4096', `pty,raw,echo=0,link=${this.path}`, 'STDIO'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.socat = socat
    let stderr = ''
    socat.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    const spawned = new Promise<void>((resolve, reject) => {
      socat.once('error', (err) =>
        reject(new Error(`cannot run socat (apt-get install socat): ${err.message}`)),
      )
      socat.once('spawn', () => resolve())
    })
    await spawned
    const exited = new Promise<never>((_, reject) =>
      socat.once('exit', (code) =>
        reject(new Error(`socat exited (${code}) before making ${this.path}: ${stderr.trim()}`)),
      ),
    )
    exited.catch(() => {})
    const deadline = Date.now() + 5000
    while (!existsSync(this.path)) {
      if (Date.now() > deadline)
        throw new Error(`socat did not create ${this.path} within 5 s: ${stderr.trim()}`)
      await Promise.race([new Promise((r) => setTimeout(r, 10)), exited])
    }
    socat.once('exit', () => {
      if (this.socat === socat) this.detach()
    })
    this.uno.powerCycle()
    const uart = this.uno.connectSerial()
    this.uart = uart
    uart.on('data', (bytes: Buffer) => socat.stdin?.write(bytes))
    socat.stdout?.on('data', (bytes: Buffer) => uart.write(bytes))
    socat.stdin?.on('error', () => {})
  }

  /** Pulls the cable: the pty goes away and the board loses power. */
  async unplug(): Promise<void> {
    const socat = this.socat
    if (!socat) return
    this.detach()
    if (socat.exitCode === null && socat.signalCode === null) {
      const exited = new Promise((r) => socat.once('exit', r))
      socat.kill('SIGTERM')
      await exited
    }
  }

  private detach(): void {
    this.socat = null
    this.uart?.destroy()
    this.uart = null
    this.uno.disconnectSerial()
  }
}
