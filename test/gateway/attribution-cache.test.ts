/**
 * The attribution cache (gateway/attribution.ts) keeps a box's answer for the local hour when
 * nothing that decides it changes inside that hour. A box draining a day's queue sends presses
 * dated seconds apart across every boundary of that day: shifts starting and ending at odd
 * minutes, sign-ins and sign-outs at odd seconds, the box moved to another counter. Each
 * press must get the answer of a lookup made for it alone, in queue order and in any order,
 * in time zones whose offsets are whole hours, quarter hours, half hours, and one whose clocks
 * jump forward that day.
 */
import { describe, expect, it, vi } from 'vitest'
import { Attributor } from '../../gateway/attribution.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE } from '../helpers/office.ts'

const ZONES = [
  // [zone, a day of its own in local time, its UTC offset that day at midnight]
  ['Asia/Ho_Chi_Minh', '2026-11-23', '+07:00'],
  ['Asia/Kathmandu', '2026-11-23', '+05:45'],
  ['America/St_Johns', '2026-11-23', '-03:30'],
  // Clocks jump from 02:00 to 03:00 on Sunday 29 March 2026.
  ['Europe/Berlin', '2026-03-29', '+01:00'],
] as const

describe('attribution cache', () => {
  for (const [zone, day, offset] of ZONES) {
    it(`gives every press of a drained queue the answer of its own lookup (${zone}, ${day})`, async () => {
      const at = (hhmmss: string) => Date.parse(`${day}T${hhmmss}${offset}`)
      const everyDay = [1, 2, 3, 4, 5, 6, 7]
      // The registry is loaded the day before (boxes assigned then); the day's changes are dated.
      const t = await startTestGateway({
        now: () => at('00:00:00') - 86_400_000,
        registry: {
          ...OFFICE,
          shifts: [
            { counter: 'q1', officer: 'an', days: everyDay, from: '07:20', to: '11:50' },
            { counter: 'q1', officer: 'binh', days: everyDay, from: '13:05', to: '17:35' },
            { counter: 'q2', officer: 'binh', days: everyDay, from: '08:00', to: '12:00' },
            // Across the hour Berlin skips: 02:00-03:00 does not exist there that day.
            { counter: 'q2', officer: 'cuong', days: everyDay, from: '01:30', to: '03:30' },
          ],
        },
      })
      const reg = t.gw.registry
      reg.signIn('cuong', 'q1', at('09:12:37'))
      reg.signOut('cuong', at('09:47:03'))
      reg.signIn('an', 'q2', at('14:00:00'))
      reg.signOut('an', at('14:00:30'))
      reg.assignBox('box-1', 'q2', at('15:45:10'))
      reg.assignBox('box-1', 'q1', at('16:20:55'))

      // Presses every 20 s over the whole local day and a little beyond, as a queue drains.
      const start = at('00:00:05')
      const presses = Array.from({ length: (25 * 3600) / 20 }, (_, i) => start + i * 20_000)
      const reference = (box: string, ms: number) => new Attributor(t.gw.db, zone).attribute(box, ms)
      for (const order of ['queue', 'shuffled'] as const) {
        const times = order === 'queue' ? presses : shuffled(presses)
        const cached = new Attributor(t.gw.db, zone)
        const lookups = vi.spyOn(cached as unknown as { lookup: () => unknown }, 'lookup')
        const wrong: string[] = []
        for (const box of ['box-1', 'box-2', 'box-3']) {
          for (const ms of times) {
            const got = cached.attribute(box, ms)
            const want = reference(box, ms)
            if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${box} at ${new Date(ms).toISOString()}: ${got.officerId} (${got.counterId}), not ${want.officerId} (${want.counterId})`)
          }
        }
        expect(wrong.slice(0, 5), `${order}: ${wrong.length} presses credited wrongly`).toEqual([])
        // In queue order a box looks up about once an hour, plus the minutes where things change.
        if (order === 'queue') expect(lookups.mock.calls.length).toBeLessThan(3 * 60)
      }
      // The day is what the test says it is: each officer did get presses from the schedule.
      const credited = new Set(presses.map((ms) => reference('box-1', ms).officerId))
      expect(credited).toEqual(new Set(['an', 'binh', 'cuong', null]))
    })
  }
})

/** A fixed permutation (no randomness in tests): a stride coprime with the length. */
function shuffled(xs: number[]): number[] {
  let stride = 7919
  while (gcd(stride, xs.length) !== 1) stride += 2
  return xs.map((_, i) => xs[(i * stride) % xs.length])
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}
