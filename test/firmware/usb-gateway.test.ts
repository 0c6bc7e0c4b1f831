/**
 * A box plugged into the gateway host, configured in the gateway's `usb:` section exactly as
 * an installer would: the real StandardFirmata on an emulated board behind a pty, the real
 * serialport code, presses entering ingest in-process, the box's config following duty.
 */
import { describe, expect, it } from 'vitest'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE } from '../helpers/office.ts'
import { pressButton, startPtyUno, waitFor } from './helpers.ts'

describe('gateway config usb section', () => {
  it('runs the box in-process, stores its presses attributed, and tells it the cooldown', async () => {
    const { uno, path } = await startPtyUno()
    const t = await startTestGateway({
      registry: OFFICE,
      config: { usb: [{ box: 'box-1', path }], http: { enabled: false }, ingest: { cooldownMs: 2000 } },
      standardParts: true,
    })
    t.gw.registry.signIn('an', 'q1')
    const usb = t.gw.health().parts.find((p) => p.name === 'usb-boxes')
    expect(usb?.state).toBe('running')
    await waitFor('the board to be ready', () => {
      const status = t.gw.health().parts.find((p) => p.name === 'usb-boxes')?.status as Array<{ board: string }>
      return status?.[0]?.board === 'ready'
    }, 30_000)
    await pressButton(uno, 0)
    await waitFor('one press stored', () => (t.gw.db.prepare('SELECT count(*) AS n FROM presses').get() as { n: number }).n === 1, 15_000)
    expect(t.gw.db.prepare('SELECT box_id, rating, repeat, officer_id, counter_id FROM presses').all()).toEqual([
      { box_id: 'box-1', rating: 'positive', repeat: 0, officer_id: 'an', counter_id: 'q1' },
    ])
    // Within the 2 s cooldown the gateway handed the box: stored, flagged as a repeat.
    await pressButton(uno, 1)
    await waitFor('the repeat to be stored', () => (t.gw.db.prepare('SELECT count(*) AS n FROM presses').get() as { n: number }).n === 2, 15_000)
    expect(t.gw.db.prepare('SELECT rating, repeat FROM presses ORDER BY id').all()).toEqual([
      { rating: 'positive', repeat: 0 },
      { rating: 'neutral', repeat: 1 },
    ])
  })
})
