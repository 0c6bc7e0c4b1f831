/**
 * A rating window end to end on the device layer (issue 13): opened over HTTP with a token,
 * it reaches a johnny-five box on an emulated Uno running real StandardFirmata over MQTT; its
 * LEDs breathe (PWM duty read back from the chip's timer registers) after one short beep, and
 * the next press carries the window's id and reference. The officer-side button opens one.
 */
import { describe, expect, it } from 'vitest'
import { MqttLink } from '../../firmware/mqtt-link.ts'
import type { PressPayload } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { LEDS, PIEZO, pressButton, sleep, startBox, startUno, waitFor } from '../firmware/helpers.ts'

const OFFICER_BUTTON = 7

describe('a window on the emulated board', () => {
  it('breathes the LEDs after one beep, and the next press carries its id and reference', async () => {
    const t = await startTestGateway({ registry: OFFICE, standardParts: true, config: { ingest: { cooldownMs: 0 } } })
    const uno = await startUno()
    uno.drive(OFFICER_BUTTON, true)
    const link = new MqttLink({ url: t.mqttUrl, boxId: 'box-1', secret: SECRET('box-1'), reconnect: { minMs: 100, maxMs: 400 } })
    const box = await startBox(uno, link, { boxId: 'box-1', wiring: { invite: OFFICER_BUTTON } })
    await waitFor('board ready', () => box.boardReady, 60_000)
    await waitFor('link up', () => link.isUp)

    const { token } = t.gw.tokens.create({ name: 'queue', officeId: 'hcc', scopes: ['windows'], createdBy: 'test' })
    const res = await fetch(new URL('/api/windows', t.gw.httpUrl!), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ counter: 'q1', reference: 'HS-000777' }),
    })
    expect(res.status).toBe(201)
    const { id } = (await res.json()) as { id: string }

    // Read the pins for 2.5 s (more than one breath): every LED's duty rises and falls; the piezo sounds once.
    await waitFor('window shown', () => box.openWindow === id)
    const duties: number[][] = LEDS.map(() => [])
    let beeps = 0
    let piezoOn = false
    const until = Date.now() + 2500
    while (Date.now() < until) {
      LEDS.forEach((pin, i) => duties[i].push(uno.pwmDuty(pin)))
      const on = uno.pwmDuty(PIEZO) > 0
      if (on && !piezoOn) beeps++
      piezoOn = on
      await sleep(5)
    }
    for (const d of duties) {
      expect(Math.min(...d)).toBeLessThan(80)
      expect(Math.max(...d)).toBeGreaterThan(180)
      expect(new Set(d).size).toBeGreaterThan(5) // a ramp, not on/off
    }
    expect(beeps).toBe(1)

    const acked = new Promise<PressPayload>((resolve) => box.once('acked', (_p, sent) => resolve(sent)))
    await pressButton(uno, 0)
    const sent = await acked
    expect(sent).toMatchObject({ rating: 'positive', window: id, reference: 'HS-000777' })
    expect(t.gw.db.prepare('SELECT p.rating, w.reference, w.close_reason AS closeReason FROM presses p JOIN windows w ON w.id = p.window_id').all()).toEqual([
      { rating: 'positive', reference: 'HS-000777', closeReason: 'rated' },
    ])
    // The window ended on the box: no more breathing; the next press carries no window.
    expect(box.openWindow).toBeNull()
    await waitFor('feedback over', () => LEDS.every((pin) => uno.pwmDuty(pin) === 0), 5000)
    const next = new Promise<PressPayload>((resolve) => box.once('acked', (_p, s) => resolve(s)))
    await pressButton(uno, 2)
    expect((await next).window).toBeUndefined()

    // The officer-side button asks for a window: the gateway opens one at the box's counter, the box shows it.
    uno.drive(OFFICER_BUTTON, false)
    await uno.elapse(80)
    uno.drive(OFFICER_BUTTON, true)
    const opened = await waitFor('window from the officer button', () => t.gw.windows.openAt('q1'))
    expect(opened.openedBy).toBe('box:box-1')
    await waitFor('box shows it', () => box.openWindow === opened.id)
  })
})
