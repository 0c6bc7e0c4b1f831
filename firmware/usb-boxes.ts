/**
 * The boxes plugged into the gateway's own host (the `usb` section of its config): one Box
 * per entry, found by port path or USB serial number, each with an in-process link into the
 * gateway's ingest. Boxes are independent: one whose port is missing or whose board does not
 * answer keeps retrying on its own while the others (and the gateway) carry on.
 *
 * The entry shape mirrors gateway/config-schema.ts UsbBoxSchema; it is restated here because
 * the device layer never imports the gateway (the gateway imports the device layer).
 */
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { Box, type BoxOptions } from './box.ts'
import { serialPortConnector, usbSerialNumberConnector, type BoardConnector } from './connector.ts'
import { InProcessLink, type InProcessGateway } from './in-process-link.ts'
import { DEFAULT_WIRING, defaultPins, type Wiring } from './wiring.ts'
import type { Rating } from '../protocol/index.ts'

export interface UsbBoxSpec {
  box: string
  path?: string
  serialNumber?: string
  pins?: {
    positive?: number
    neutral?: number
    negative?: number
    ledPositive?: number
    ledNeutral?: number
    ledNegative?: number
    /** Four or five levels: the button and LED pins in the order of the scale's levels. */
    buttons?: number[]
    leds?: number[]
    piezo?: number | null
    /** The officer-side button that asks for a rating window. */
    invite?: number | null
  }
}

export interface UsbBoxesOptions {
  boxes: UsbBoxSpec[]
  gateway: InProcessGateway
  /** Where the queue files go (one per box): usually `<dataDir>/usb`. */
  queueDir: string
  log?: Logger
  /** Passed to every Box (timings, backoff); tests shorten them. */
  boxDefaults?: Partial<BoxOptions>
  /** The levels of the gateway's rating scale, best first: one button each (default three). */
  levels?: readonly Rating[]
}

export function wiringOf(spec: UsbBoxSpec, levels: readonly Rating[] = DEFAULT_WIRING.levels): Partial<Wiring> {
  const p = spec.pins ?? {}
  // The three named pins are the default scale's; any scale may list its pins in order.
  const three = levels.length === 3 && levels.every((l, i) => l === DEFAULT_WIRING.levels[i])
  const d = defaultPins(levels.length)
  return {
    levels,
    buttons: p.buttons ?? (three ? [p.positive ?? d.buttons[0], p.neutral ?? d.buttons[1], p.negative ?? d.buttons[2]] : d.buttons),
    leds: p.leds ?? (three ? [p.ledPositive ?? d.leds[0], p.ledNeutral ?? d.leds[1], p.ledNegative ?? d.leds[2]] : d.leds),
    ...(p.piezo !== undefined ? { piezo: p.piezo } : {}),
    ...(p.invite !== undefined ? { invite: p.invite } : {}),
  }
}

function connectorOf(spec: UsbBoxSpec): BoardConnector {
  if (spec.path) return serialPortConnector(spec.path)
  if (spec.serialNumber) return usbSerialNumberConnector(spec.serialNumber)
  throw new Error(`usb box ${spec.box}: give its port path or its USB serial number`)
}

/** A gateway part (gateway/gateway.ts Part): start(), stop(), status(). */
export class UsbBoxes {
  readonly name = 'usb-boxes'
  private readonly running: Box[] = []

  constructor(private readonly opts: UsbBoxesOptions) {}

  get boxes(): readonly Box[] {
    return this.running
  }

  /** Starts every box; does not wait for the boards (they connect, or retry, on their own). */
  async start(): Promise<void> {
    const log = this.opts.log ?? pino({ level: 'silent' })
    const seen = new Set<string>()
    for (const spec of this.opts.boxes) {
      if (seen.has(spec.box)) throw new Error(`usb box ${spec.box} is configured twice`)
      seen.add(spec.box)
      const box = new Box({
        boxId: spec.box,
        connector: connectorOf(spec),
        link: new InProcessLink({ boxId: spec.box, gateway: this.opts.gateway }),
        queueFile: join(this.opts.queueDir, `box-${spec.box}.jsonl`),
        wiring: wiringOf(spec, this.opts.levels),
        log: log.child({ box: spec.box }),
        ...this.opts.boxDefaults,
      })
      await box.start()
      this.running.push(box)
    }
  }

  /** For /api/health: each box's port, whether its board answers, and what it still holds. */
  status(): Array<{ box: string; port: string; board: 'ready' | 'not connected'; queued: number }> {
    return this.running.map((box) => ({ box: box.id, port: box.port, board: box.boardReady ? 'ready' : 'not connected', queued: box.queued }))
  }

  async stop(): Promise<void> {
    await Promise.all(this.running.splice(0).map((box) => box.stop()))
  }
}
