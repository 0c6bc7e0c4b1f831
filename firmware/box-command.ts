/**
 * `chamdiem box run`: the device layer on a small host at the counter. Drives the box on
 * `--port` through johnny-five and publishes its presses to the gateway's broker over MQTT.
 * Runs until SIGINT/SIGTERM; a kill -9 loses nothing acknowledged or queued (press-queue.ts).
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Logger } from 'pino'
import { BOX_ID_RULE, isBoxId, isRating, LEVEL_IDS, SCALE_PRESETS, type Rating } from '../protocol/index.ts'
import { Box, BOX_DEFAULTS } from './box.ts'
import { serialPortConnector } from './connector.ts'
import { MqttLink } from './mqtt-link.ts'
import { DEFAULT_WIRING, defaultPins, resolveWiring, type Wiring } from './wiring.ts'

const USAGE = `usage: chamdiem box run --port <path> --broker <mqtt url> --id <boxId> [--secret <secret>] [options]

  --port <path>         serial port of the Arduino (e.g. /dev/ttyACM0, /dev/serial/by-id/...)
  --broker <url>        the gateway's broker, e.g. mqtt://gateway.local:1883 or mqtts://gateway.local:8883
  --ca <file>           PEM file of the CA that signed the gateway's TLS certificate (mqtts://, wss://)
  --id <boxId>          the box id given at provisioning (also its MQTT username)
  --secret <secret>     the box secret; better in the environment: CHAMDIEM_BOX_SECRET
  --queue <file>        durable press queue (default ~/.local/state/chamdiem/box-<id>.jsonl)
  --levels <3|4|5|ids>  the gateway's rating scale: 3 (default: positive,neutral,negative), 4, 5
                        (positive,neutral,fair,negative,very-negative), or the ids best first
  --buttons <a,b,c>     pins of the buttons, best level first (default ${DEFAULT_WIRING.buttons.join(',')}; 4-5 levels ${defaultPins(5).buttons.join(',')})
  --leds <a,b,c>        pins of their LEDs (default ${DEFAULT_WIRING.leds.join(',')}; 4-5 levels ${defaultPins(5).leds.join(',')})
  --piezo <pin|none>    piezo pin (default ${DEFAULT_WIRING.piezo})
  --piezo-drive <pwm|digital>  passive piezo on a PWM pin, or active buzzer (default ${DEFAULT_WIRING.piezoDrive})
  --officer-button <pin>  the officer-side "mời đánh giá" button: asks the gateway for a rating window (default none)
  --debounce-ms <ms>    contact bounce window (default ${BOX_DEFAULTS.debounceMs})
  --cooldown-ms <ms>    until the gateway's config arrives (default ${BOX_DEFAULTS.cooldownMs})
  --feedback-ms <ms>    until the gateway's config arrives (default ${BOX_DEFAULTS.feedbackMs})

The log goes to stdout (JSON lines unless a terminal); CHAMDIEM_LOG_LEVEL sets its level.`

function pins(value: string | undefined, what: string): number[] | undefined {
  if (value === undefined) return undefined
  const list = value.split(',').map((p) => Number(p.trim()))
  if (list.length < 3 || list.length > 5 || list.some((p) => !Number.isInteger(p))) throw new Error(`--${what} takes one pin number per level, e.g. 2,3,4`)
  return list
}

/** `--levels 5` or `--levels positive,neutral,fair,...`: the levels of the buttons, best first. */
function levelsOf(value: string | undefined): Rating[] | undefined {
  if (value === undefined) return undefined
  if (value === '3' || value === '4' || value === '5') return SCALE_PRESETS[Number(value) as 3 | 4 | 5].map((l) => l.id)
  const ids = value.split(',').map((s) => s.trim())
  const bad = ids.find((id) => !isRating(id))
  if (bad !== undefined) throw new Error(`--levels: ${JSON.stringify(bad)} is not a level (${LEVEL_IDS.join(', ')})`)
  return ids as Rating[]
}

function ms(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${what} takes a whole number of milliseconds`)
  return n
}

/** Read at start so a wrong path fails at once with its name, not at the first TLS handshake. */
function readCa(file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new Error(`--ca ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

/** `log` comes from the caller: the device layer does not set up logging (gateway/log.ts does). */
export async function run(argv: string[], log: Logger): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      broker: { type: 'string' },
      id: { type: 'string' },
      secret: { type: 'string' },
      ca: { type: 'string' },
      queue: { type: 'string' },
      levels: { type: 'string' },
      buttons: { type: 'string' },
      leds: { type: 'string' },
      piezo: { type: 'string' },
      'piezo-drive': { type: 'string' },
      'debounce-ms': { type: 'string' },
      'officer-button': { type: 'string' },
      'cooldown-ms': { type: 'string' },
      'feedback-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const secret = values.secret ?? process.env.CHAMDIEM_BOX_SECRET
  const missing = [
    !values.port && '--port',
    !values.broker && '--broker',
    !values.id && '--id',
    !secret && '--secret (or CHAMDIEM_BOX_SECRET)',
  ].filter(Boolean)
  if (missing.length > 0) throw new Error(`chamdiem box run: missing ${missing.join(', ')}\n\n${USAGE}`)
  const boxId = values.id as string
  if (!isBoxId(boxId)) throw new Error(`--id ${JSON.stringify(boxId)}: a box id is ${BOX_ID_RULE}`)

  const wiring: Partial<Wiring> = {}
  const levels = levelsOf(values.levels)
  if (levels) wiring.levels = levels
  const buttons = pins(values.buttons, 'buttons')
  const leds = pins(values.leds, 'leds')
  if (buttons) wiring.buttons = buttons
  if (leds) wiring.leds = leds
  if (values.piezo !== undefined) wiring.piezo = values.piezo === 'none' ? null : Number(values.piezo)
  if (values['piezo-drive'] !== undefined) {
    if (values['piezo-drive'] !== 'pwm' && values['piezo-drive'] !== 'digital') throw new Error('--piezo-drive is pwm or digital')
    wiring.piezoDrive = values['piezo-drive']
  }
  if (values['officer-button'] !== undefined) wiring.invite = Number(values['officer-button'])
  resolveWiring(wiring) // fail now, with the bad pin named, rather than at the first connect

  const queueFile = values.queue ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'chamdiem', `box-${boxId}.jsonl`)
  const ca = values.ca === undefined ? undefined : readCa(values.ca)
  const link = new MqttLink({ url: values.broker as string, boxId, secret: secret as string, ca })
  const box = new Box({
    boxId,
    connector: serialPortConnector(values.port as string),
    link,
    queueFile,
    wiring,
    debounceMs: ms(values['debounce-ms'], 'debounce-ms'),
    cooldownMs: ms(values['cooldown-ms'], 'cooldown-ms'),
    feedbackMs: ms(values['feedback-ms'], 'feedback-ms'),
    log,
  })
  box.on('press', (p) => log.info({ seq: p.seq, boot: p.boot, rating: p.rating, repeat: p.repeat, queued: box.queued }, 'press'))
  box.on('acked', (p, sent) => log.info({ seq: p.seq, boot: p.boot, ageMs: sent.ageMs, queued: box.queued }, 'press acknowledged'))

  log.info({ box: boxId, port: values.port, broker: link.name, queue: queueFile }, 'starting')
  await box.start()
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'stopping')
      resolve()
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
  await box.stop()
  log.info('stopped')
}
