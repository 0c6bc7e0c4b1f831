/**
 * Press → LED at the box: a citizen presses a button and must see its LED light at once. An
 * emulated Uno (simulator/board/emulated-uno.ts: avr8js running the real StandardFirmata)
 * is driven by the real device layer (firmware/box.ts: johnny-five over Firmata on the
 * board's UART, debounce, the durable queue file written before the feedback) as a box
 * plugged into the gateway's host is: the gateway runs in this process and the box sends
 * through its ingest (firmware/in-process-link.ts), so the gateway's work shares the event
 * loop as it does in production. Measured per press: wall time from the button pin pulled
 * low to the LED pin driven high by the firmware.
 */
import { join } from 'node:path'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { performance } from 'node:perf_hooks'
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
    const box = new Box({
      boxId,
      connector: streamConnector('emulated-uno', () => uno.connectSerial()),
      link: new InProcessLink({ boxId, gateway: { submit: (b, k, p) => gw.ingest.submit(b, k, p), watchConfig: (b, on) => gw.configPublisher.watch(b, on) } }),
      queueFile: join(queueDir, `box-${boxId}.jsonl`),
      log: silentLogger(),
      handshakeTimeoutMs: 30_000,
    })
    const latencies: number[] = []
    /** Pin low → the device layer's press event (board → host: Firmata report, johnny-five's 7 ms debounce). */
    const inbound: number[] = []
    let acked = 0
    box.on('acked', () => acked++)
    try {
      await box.start()
      await until('board ready', () => box.boardReady, 60_000)
      await until('config from the gateway', () => box.settings.feedbackMs === FEEDBACK_MS, 10_000)
      const { buttons, leds } = DEFAULT_WIRING
      let pressedAt = 0
      let litAt = 0
      let seenAt = 0
      box.on('press', () => (seenAt ||= performance.now()))
      let watching = -1
      uno.on('pin', (pin, high) => {
        if (high && pin === watching && litAt === 0) litAt = performance.now()
      })
      for (let i = 0; i < presses; i++) {
        const k = i % buttons.length
        await until('LEDs off', () => leds.every((p) => !uno.isHigh(p)), 5_000)
        watching = leds[k]
        litAt = 0
        seenAt = 0
        pressedAt = performance.now()
        uno.drive(buttons[k], false)
        await until(`LED ${k} on`, () => litAt !== 0, 5_000)
        latencies.push(litAt - pressedAt)
        inbound.push(seenAt - pressedAt)
        await sleep(HOLD_MS)
        uno.drive(buttons[k], true)
        // Released, then past the debounce window (50 ms) and the feedback time.
        await sleep(FEEDBACK_MS + 60)
      }
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
    const in50 = percentile(inbound, 50)
    const in99 = percentile(inbound, 99)
    opts.log(`  ${latencies.length} presses: pin low → LED on p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms (of which pin low → press event at the host p50 ${in50.toFixed(1)}, p99 ${in99.toFixed(1)} ms); ${acked} acknowledged by the gateway`)
    return {
      rows: [
        row('box-led', 'press → LED on at the box, p50', 'ms', [round(p50)]),
        row('box-led', 'press → LED on at the box, p99', 'ms', [round(p99)]),
        row('box-led', 'press → LED on at the box, max', 'ms', [round(max)]),
        row('box-led', 'pin low → press event at the host, p50', 'ms', [round(in50)]),
        row('box-led', 'pin low → press event at the host, p99', 'ms', [round(in99)]),
      ],
      goals: [goal('box-led', 'press → LED on at the box, p99', round(p99), 'ms', '≤ 20', (v) => v <= 20)],
      notes: [`${latencies.length} presses on an emulated Uno (avr8js, StandardFirmata over its UART at 57600 baud) driven by firmware/box.ts in the gateway's process (in-process link); a button held ${HOLD_MS} ms, rotating over the three buttons`],
      runs: [{ latenciesMs: latencies.map((v) => round(v, 2)), inboundMs: inbound.map((v) => round(v, 2)), acked, loadavg1: load1() }],
    }
  },
}
