/**
 * Press → LED at the box: a citizen presses a button and must see its LED light at once. An
 * emulated Uno (simulator/board/emulated-uno.ts: avr8js running the real StandardFirmata)
 * is driven by the real device layer (firmware/box.ts: johnny-five over Firmata on the
 * board's UART, debounce, the durable queue file written before the feedback) as a box
 * plugged into the gateway's host is: the gateway runs in this process and the box sends
 * through its ingest (firmware/in-process-link.ts), so the gateway's work shares the event
 * loop as it does in production. Measured per press: wall time from the button pin pulled
 * low to the LED pin driven high by the firmware, and its stages, read off the board's serial
 * line (no hook in the product's code): pin low → the firmware's port report reaches the host
 * (board, UART) → the LED command leaves the host (the device layer: debounce, numbering, the
 * queue file written and fsync'ed, feedback) → LED pin high (UART, firmware). Also how far the
 * emulator's clock was behind the wall clock at each press and the event loop's delay: on a
 * loaded host those, not the product, make the tail.
 */
import { join } from 'node:path'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import { Box } from '../../firmware/box.ts'
import { streamConnector } from '../../firmware/connector.ts'
import { InProcessLink } from '../../firmware/in-process-link.ts'
import { DEFAULT_WIRING } from '../../firmware/wiring.ts'
import { resolveConfig } from '../../gateway/config.ts'
import { Gateway } from '../../gateway/gateway.ts'
import { silentLogger } from '../../gateway/log.ts'
import { EmulatedUno } from '../../simulator/board/emulated-uno.ts'
import { readStandardFirmataHex } from '../../simulator/board/firmware-hex.ts'
import { load1 } from '../lib/machine.ts'
import { boxIds } from '../lib/office.ts'
import { provisionedDataDir, removeDataDir, TIMEZONE } from '../lib/provision.ts'
import { goal, round, row } from '../lib/rows.ts'
import { percentile } from '../lib/stats.ts'
import type { BenchOptions, Suite, SuiteResult } from '../lib/types.ts'

/** LED lit this long per press (the gateway's config), so it is off again before the next. */
const FEEDBACK_MS = 120
/** A citizen's press: the button is held this long. */
const HOLD_MS = 80

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Firmata command bytes: a digital port message (0x90 | port), an analog (PWM) message (0xE0 | pin). */
const DIGITAL_MESSAGE = 0x90
const ANALOG_MESSAGE = 0xe0

const ms = (v: number) => `${v.toFixed(1)} ms`

async function until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`box-led: ${what} did not happen within ${timeoutMs} ms`)
    await sleep(5)
  }
}

export const boxLed: Suite = {
  id: 'box-led',
  title: 'Press → LED at the box: emulated Uno with StandardFirmata, pin change to LED on',
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const presses = opts.quick ? 40 : 300
    const dataDir = provisionedDataDir(1)
    const queueDir = mkdtempSync(join(tmpdir(), 'chamdiem-bench-led-'))
    const boxId = boxIds(1)[0]
    const config = resolveConfig(
      { dataDir, timezone: TIMEZONE, logLevel: 'silent', mqtt: { host: '127.0.0.1', port: 0, wsPort: null }, http: { enabled: false }, ingest: { feedbackMs: FEEDBACK_MS, cooldownMs: 0 } },
      'bench',
      {},
    )
    const gw = new Gateway({ config, log: silentLogger() })
    await gw.start()
    const uno = new EmulatedUno(await readStandardFirmataHex())
    for (const pin of DEFAULT_WIRING.buttons) uno.drive(pin, true)
    uno.start()
    const { buttons, leds } = DEFAULT_WIRING
    /** The press being measured: its button and LED, and when its report and LED command crossed the line. */
    const probe = { armed: false, button: -1, led: -1, reportAt: 0, commandAt: 0 }
    const tap = (line: Duplex): Duplex => {
      line.on('data', (bytes: Buffer) => {
        if (probe.armed && probe.reportAt === 0 && bytes.includes(DIGITAL_MESSAGE | (probe.button >> 3))) probe.reportAt = performance.now()
      })
      const write = line.write.bind(line) as (chunk: unknown, ...rest: unknown[]) => boolean
      line.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (probe.armed && probe.commandAt === 0 && Buffer.isBuffer(chunk) && (chunk[0] === (ANALOG_MESSAGE | probe.led) || chunk[0] === (DIGITAL_MESSAGE | (probe.led >> 3)))) {
          probe.commandAt = performance.now()
        }
        return write(chunk, ...rest)
      }) as Duplex['write']
      return line
    }
    const box = new Box({
      boxId,
      connector: streamConnector('emulated-uno', () => tap(uno.connectSerial())),
      link: new InProcessLink({ boxId, gateway: { submit: (b, k, p) => gw.ingest.submit(b, k, p), watchConfig: (b, on) => gw.configPublisher.watch(b, on) } }),
      queueFile: join(queueDir, `box-${boxId}.jsonl`),
      log: silentLogger(),
      handshakeTimeoutMs: 30_000,
    })
    const latencies: number[] = []
    const stages = { inbound: [] as number[], device: [] as number[], outbound: [] as number[], lag: [] as number[] }
    const loopDelay = monitorEventLoopDelay({ resolution: 1 })
    let acked = 0
    box.on('acked', () => acked++)
    try {
      await box.start()
      await until('board ready', () => box.boardReady, 60_000)
      await until('config from the gateway', () => box.settings.feedbackMs === FEEDBACK_MS, 10_000)
      let pressedAt = 0
      let litAt = 0
      uno.on('pin', (pin, high) => {
        if (high && pin === probe.led && litAt === 0) litAt = performance.now()
      })
      loopDelay.enable()
      for (let i = 0; i < presses; i++) {
        const k = i % buttons.length
        await until('LEDs off', () => leds.every((p) => !uno.isHigh(p)), 5_000)
        Object.assign(probe, { armed: true, button: buttons[k], led: leds[k], reportAt: 0, commandAt: 0 })
        litAt = 0
        stages.lag.push(uno.lagMs)
        pressedAt = performance.now()
        uno.drive(buttons[k], false)
        await until(`LED ${k} on`, () => litAt !== 0, 5_000)
        probe.armed = false
        latencies.push(litAt - pressedAt)
        stages.inbound.push(probe.reportAt - pressedAt)
        stages.device.push(probe.commandAt - probe.reportAt)
        stages.outbound.push(litAt - probe.commandAt)
        await sleep(HOLD_MS)
        uno.drive(buttons[k], true)
        // Released, then past the debounce window (50 ms) and the feedback time.
        await sleep(FEEDBACK_MS + 60)
      }
      loopDelay.disable()
      await until('every press acknowledged by the gateway', () => acked >= presses, 30_000)
    } finally {
      await box.stop()
      uno.stop()
      await gw.stop()
      removeDataDir(dataDir)
      rmSync(queueDir, { recursive: true, force: true })
    }
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    const max = Math.max(...latencies)
    const stageNames = {
      inbound: 'pin low → port report at the host (board, UART)',
      device: 'port report → LED command sent (device layer: debounce, queue fsync)',
      outbound: 'LED command → LED on (UART, firmware)',
      lag: "emulator's clock behind the wall clock at the press",
    } as const
    const loop99 = loopDelay.percentile(99) / 1e6
    const loopMax = loopDelay.max / 1e6
    // Where the slowest presses' time went, stage by stage.
    const slowest = latencies
      .map((v, i) => ({ v, i }))
      .sort((a, b) => b.v - a.v)
      .slice(0, 3)
      .map(({ v, i }) => `${ms(v)} = ${ms(stages.inbound[i])} + ${ms(stages.device[i])} + ${ms(stages.outbound[i])} (emulator ${ms(stages.lag[i])} behind)`)
    opts.log(`  ${latencies.length} presses: pin low → LED on p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(max)}; ${acked} acknowledged by the gateway`)
    for (const [k, name] of Object.entries(stageNames)) {
      const v = stages[k as keyof typeof stages]
      opts.log(`    ${name}: p50 ${ms(percentile(v, 50))}, p99 ${ms(percentile(v, 99))}`)
    }
    opts.log(`    event loop delay p99 ${ms(loop99)}, max ${ms(loopMax)}; slowest presses (report + device layer + command): ${slowest.join('; ')}`)
    return {
      rows: [
        row('box-led', 'press → LED on at the box, p50', 'ms', [round(p50)]),
        row('box-led', 'press → LED on at the box, p99', 'ms', [round(p99)]),
        row('box-led', 'press → LED on at the box, max', 'ms', [round(max)]),
        ...Object.entries(stageNames).flatMap(([k, name]) => {
          const v = stages[k as keyof typeof stages]
          return [row('box-led', `${name}, p50`, 'ms', [round(percentile(v, 50))]), row('box-led', `${name}, p99`, 'ms', [round(percentile(v, 99))])]
        }),
        row('box-led', 'event loop delay during the presses, p99', 'ms', [round(loop99)]),
      ],
      goals: [goal('box-led', 'press → LED on at the box, p99', round(p99), 'ms', '≤ 20', (v) => v <= 20)],
      notes: [`${latencies.length} presses on an emulated Uno (avr8js, StandardFirmata over its UART at 57600 baud) driven by firmware/box.ts in the gateway's process (in-process link); a button held ${HOLD_MS} ms, rotating over the three buttons`, `slowest presses (port report + device layer + LED command): ${slowest.join('; ')}`],
      runs: [{ latenciesMs: latencies.map((v) => round(v, 2)), ...Object.fromEntries(Object.entries(stages).map(([k, v]) => [`${k}Ms`, v.map((x) => round(x, 2))])), eventLoopDelayMaxMs: round(loopMax), acked, loadavg1: load1() }],
    }
  },
}
