/**
 * The device layer end to end, written once and run against both links (model: MQTT.js
 * test/node/abstract_client.ts): an emulated Uno running the real StandardFirmata, a Box
 * driving it through johnny-five, and a real gateway (Aedes on a loopback port, SQLite on
 * disk) reached in-process (wired exactly as parts.ts wires a USB box) or over MQTT. Asserts
 * what a user sees: the LED of the button pressed, the beep, the press stored with its
 * rating and attributed to the officer on duty.
 *
 * The simulator's virtual box is a third implementation of "a box talking to the gateway":
 * the assertions that do not need a board (config applied, stored and attributed, repeats
 * flagged, counted exactly) run against it too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Box } from '../../firmware/box.ts'
import { InProcessLink } from '../../firmware/in-process-link.ts'
import type { Link } from '../../firmware/link.ts'
import { MqttLink } from '../../firmware/mqtt-link.ts'
import { inProcessGateway } from '../../gateway/parts.ts'
import type { Rating } from '../../protocol/index.ts'
import type { EmulatedUno } from '../../simulator/board/emulated-uno.ts'
import { VirtualBox } from '../../simulator/virtual-box.ts'
import { runFileCleanups } from '../helpers/cleanup.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { LEDS, PIEZO, nextReady, pressButton, sleep, startBox, startUno, waitFor } from './helpers.ts'

const COOLDOWN_MS = 1500
const FEEDBACK_MS = 800

interface StoredRow {
  rating: string
  repeat: number
  officer_id: string | null
  counter_id: string | null
  age_ms: number
}

const LINKS: Array<[string, (t: TestGateway, boxId: string) => Link]> = [
  ['in-process', (t, boxId) => new InProcessLink({ boxId, gateway: inProcessGateway(t.gw) })],
  ['mqtt', (t, boxId) => new MqttLink({ url: t.mqttUrl, boxId, secret: SECRET(boxId), reconnect: { minMs: 100, maxMs: 1000 } })],
]

afterAll(runFileCleanups)

/** A gateway with An on duty at Quầy 1, where box-1 stands. */
async function officeGateway(): Promise<TestGateway> {
  const t = await startTestGateway({ registry: OFFICE, config: { ingest: { cooldownMs: COOLDOWN_MS, feedbackMs: FEEDBACK_MS } } })
  t.gw.registry.signIn('an', 'q1')
  return t
}

function storedPress(t: TestGateway, boxId: string, boot: string, seq: number): StoredRow | undefined {
  return t.gw.db
    .prepare('SELECT rating, repeat, officer_id, counter_id, age_ms FROM presses WHERE box_id = ? AND boot = ? AND seq = ?')
    .get(boxId, boot, seq) as StoredRow | undefined
}

function storedSeqs(t: TestGateway, boxId: string, boot: string): number[] {
  const rows = t.gw.db.prepare('SELECT seq FROM presses WHERE box_id = ? AND boot = ? ORDER BY seq').all(boxId, boot) as Array<{ seq: number }>
  return rows.map((r) => r.seq)
}

describe.each(LINKS)('box on an emulated board over the %s link', (_name, makeLink) => {
  const boxId = 'box-1'
  let t: TestGateway
  let uno: EmulatedUno
  let box: Box

  beforeAll(async () => {
    t = await officeGateway()
    uno = await startUno()
    const link = makeLink(t, boxId)
    const configured = new Promise((r) => link.once('config', r))
    box = await startBox(uno, link, { boxId })
    await nextReady(box)
    await configured
  })

  const stored = (seq: number) => storedPress(t, boxId, box.bootId, seq)

  it('applies the config the gateway publishes (cooldown, feedback time)', () => {
    expect(box.settings).toEqual({ cooldownMs: COOLDOWN_MS, feedbackMs: FEEDBACK_MS })
  })

  it.each([
    [0, 'positive'],
    [1, 'neutral'],
    [2, 'negative'],
  ] as const)('button %i lights its own LED, beeps, and is stored as %s, attributed', async (index, rating) => {
    await sleep(COOLDOWN_MS + 50) // a fresh citizen, not a repeat
    let piezoToggles = 0
    const onPin = (pin: number) => {
      if (pin === PIEZO) piezoToggles++
    }
    uno.on('pin', onPin)
    const acked = new Promise<number>((resolve) => box.once('acked', (p) => resolve(p.seq)))
    await pressButton(uno, index)
    await waitFor(`LED ${LEDS[index]} lit`, () => uno.isHigh(LEDS[index]))
    expect(LEDS.filter((_, i) => i !== index).map((pin) => uno.isHigh(pin))).toEqual([false, false])
    const seq = await acked
    await waitFor('the beep', () => piezoToggles >= 10)
    uno.off('pin', onPin)
    expect(stored(seq)).toMatchObject({ rating, repeat: 0, officer_id: 'an', counter_id: 'q1' })
    // The LED goes out after feedbackMs.
    await waitFor(`LED ${LEDS[index]} off`, () => !uno.isHigh(LEDS[index]))
    expect(box.queued).toBe(0)
  })

  it('flags a press within the cooldown as a repeat, blinks, and stores it flagged', async () => {
    await sleep(COOLDOWN_MS + 50)
    const seqs: number[] = []
    const bothAcked = new Promise<void>((resolve) =>
      box.on('acked', (p) => {
        seqs.push(p.seq)
        if (seqs.length === 2) resolve()
      }),
    )
    await pressButton(uno, 0)
    await sleep(120)
    let ledChanges = 0
    const onPin = (pin: number) => {
      if (pin === LEDS[2]) ledChanges++
    }
    uno.on('pin', onPin)
    await pressButton(uno, 2, 40)
    await waitFor('the frown LED to blink', () => ledChanges >= 3)
    uno.off('pin', onPin)
    await bothAcked
    box.removeAllListeners('acked')
    const [first, second] = seqs.sort((a, b) => a - b)
    expect(stored(first)).toMatchObject({ rating: 'positive', repeat: 0 })
    expect(stored(second)).toMatchObject({ rating: 'negative', repeat: 1 })
  })

  it('counts presses exactly: each press once, numbered from 1 without gaps', async () => {
    expect(storedSeqs(t, boxId, box.bootId)).toEqual([1, 2, 3, 4, 5])
  })
})

describe('virtual box (simulator) over MQTT', () => {
  const boxId = 'box-1'
  let t: TestGateway
  let box: VirtualBox

  beforeAll(async () => {
    t = await officeGateway()
    // Its default cooldown differs from the gateway's, so applying the config shows.
    box = new VirtualBox({ url: t.mqttUrl, boxId, secret: SECRET(boxId), cooldownMs: 5000, backoff: { minMs: 100, maxMs: 1000 } })
    box.start()
    await waitFor('the retained config', () => box.config !== null)
  })
  afterAll(() => box.stop())

  const stored = (seq: number) => storedPress(t, boxId, box.boot, seq)
  /** Presses and resolves with the seq once the gateway acknowledged it (committed). */
  const pressAcked = (rating: Rating): Promise<number> => {
    const { seq } = box.press(rating)
    return new Promise((resolve) => {
      const onAcked = (r: { seq: number } | null) => {
        if (r?.seq !== seq) return
        box.off('acked', onAcked)
        resolve(seq)
      }
      box.on('acked', onAcked)
    })
  }

  it('applies the config the gateway publishes (cooldown, counter, officer on duty)', () => {
    expect({ cooldownMs: box.cooldownMs, ...box.config }).toEqual({ cooldownMs: COOLDOWN_MS, counter: 'Quầy 1', officer: 'Nguyễn Văn An' })
  })

  it.each(['positive', 'neutral', 'negative'] as const)('a press is stored as %s, attributed', async (rating) => {
    await sleep(COOLDOWN_MS + 1100) // a fresh citizen at a citizen's pace: a virtual box dates a press it counts sooner than its cooldown plus 1 s before its earlier ones (virtual-box.ts dateCounted)
    const seq = await pressAcked(rating)
    expect(stored(seq)).toMatchObject({ rating, repeat: 0, officer_id: 'an', counter_id: 'q1' })
    expect(box.stats.queued).toBe(0)
  })

  it('flags a press within the cooldown as a repeat and stores it flagged', async () => {
    await sleep(COOLDOWN_MS + 1100)
    const first = await pressAcked('positive')
    await sleep(120)
    const second = await pressAcked('negative')
    expect(stored(first)).toMatchObject({ rating: 'positive', repeat: 0 })
    expect(stored(second)).toMatchObject({ rating: 'negative', repeat: 1 })
  })

  it('counts presses exactly: each press once, numbered from 1 without gaps', () => {
    expect(storedSeqs(t, boxId, box.boot)).toEqual([1, 2, 3, 4, 5])
  })
})
