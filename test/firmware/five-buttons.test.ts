/**
 * A box wired for a five-level deployment: five buttons and five LEDs on an emulated Uno
 * running the real StandardFirmata, each button giving its level, sent over MQTT to a real
 * gateway configured with ratingScale preset 5. Also the wiring rules for 4-5 buttons.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { MqttLink } from '../../firmware/mqtt-link.ts'
import { defaultPins, resolveWiring } from '../../firmware/wiring.ts'
import { wiringOf } from '../../firmware/usb-boxes.ts'
import { SCALE_PRESETS } from '../../protocol/index.ts'
import { runFileCleanups } from '../helpers/cleanup.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { nextReady, sleep, startBox, startUno, waitFor } from './helpers.ts'

afterAll(runFileCleanups)

const FIVE = SCALE_PRESETS[5].map((l) => l.id)

describe('a five-button box', () => {
  it('sends the level of each button, best first, and the gateway counts each', async () => {
    const t = await startTestGateway({ registry: OFFICE, config: { ratingScale: { preset: 5 }, ingest: { cooldownMs: 0 } } })
    const wiring = resolveWiring({ levels: FIVE })
    expect(wiring).toMatchObject({ buttons: [2, 4, 7, 8, 12], leds: [9, 10, 11, 5, 3], piezo: 6 })
    const uno = await startUno()
    for (const pin of wiring.buttons) uno.drive(pin, true)
    const link = new MqttLink({ url: t.mqttUrl, boxId: 'box-1', secret: SECRET('box-1'), reconnect: { minMs: 100, maxMs: 400 } })
    const box = await startBox(uno, link, { boxId: 'box-1', cooldownMs: 0, wiring: { levels: FIVE } })
    await nextReady(box)
    await sleep(50)
    for (let i = 0; i < 5; i++) {
      uno.drive(wiring.buttons[i], false)
      await uno.elapse(80)
      // The LED beside the pressed button shows the vote was taken.
      await waitFor(`LED ${wiring.leds[i]} lit`, () => uno.isHigh(wiring.leds[i]) || uno.pwmDuty(wiring.leds[i]) > 0)
      uno.drive(wiring.buttons[i], true)
      await sleep(120)
    }
    const stored = () => t.gw.db.prepare('SELECT rating FROM presses ORDER BY seq').pluck().all()
    await waitFor('five presses stored', () => stored().length === 5)
    expect(stored()).toEqual(FIVE)
    expect(t.gw.db.prepare('SELECT count(*) FROM rejected').pluck().get()).toBe(0)
  }, 60_000)

  it('has one button and one LED per level, and the USB config takes the pins in level order', () => {
    expect(() => resolveWiring({ levels: FIVE, buttons: [2, 3, 4] })).toThrow('wiring: one button and one LED per level: 5 levels (positive, neutral, fair, negative, very-negative), 3 buttons, 5 LEDs')
    expect(() => resolveWiring({ levels: ['positive', 'positive', 'negative'] })).toThrow(/the levels are 3 to 5 different ids/)
    expect(() => resolveWiring({ levels: FIVE, leds: [9, 10, 11, 5, 4] })).toThrow('pin 4 is used by both button neutral and LED very-negative')
    expect(defaultPins(4)).toEqual({ buttons: [2, 4, 7, 8], leds: [9, 10, 11, 5] })
    expect(wiringOf({ box: 'b', pins: { buttons: [2, 3, 4, 7, 8], leds: [9, 10, 11, 5, 6], piezo: null } }, FIVE)).toMatchObject({ levels: FIVE, buttons: [2, 3, 4, 7, 8], leds: [9, 10, 11, 5, 6], piezo: null })
    // The default scale keeps its named pins.
    expect(wiringOf({ box: 'b', pins: { negative: 7 } })).toMatchObject({ buttons: [2, 3, 7], leds: [9, 10, 11] })
  })
})
