/**
 * Which boxes the periodic config sweep looks at (config-scope.ts): those at counters where a
 * shift or a duty session starts or ends in the span, and boxes moved in it; every box when
 * the span is too long. A real registry on SQLite on disk; times on a fixed Monday.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigScope } from '../../gateway/config-scope.ts'
import { EventBus, type GatewayEvents } from '../../gateway/events.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { Registry } from '../../gateway/registry.ts'
import { importRegistry } from '../../gateway/registry-import.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { OFFICE } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'

const TZ = 'Asia/Ho_Chi_Minh'
const MONDAY = localMidnight('2026-11-16', TZ)
const at = (hh: number, mm = 0, ss = 0) => MONDAY + ((hh * 60 + mm) * 60 + ss) * 1000

function scoped() {
  const db = openDatabase(join(tempDir('chamdiem-scope-'), 'chamdiem.db'))
  registerCleanup(() => db.close())
  const registry = new Registry({ db, bus: new EventBus<GatewayEvents>(), timezone: TZ, now: () => at(7) })
  importRegistry(registry, db, OFFICE, Date.UTC(2020, 0, 1))
  registry.addShift({ counterId: 'q1', officerId: 'an', weekday: 1, startMin: 8 * 60, endMin: 12 * 60 })
  registry.addShift({ counterId: 'q2', officerId: 'binh', weekday: 1, startMin: 20 * 60, endMin: 24 * 60 })
  return { registry, scope: new ConfigScope(db, TZ) }
}

describe('config scope', () => {
  it('finds the boxes at counters whose shift starts or ends in the span, the end included', () => {
    const { scope } = scoped()
    expect(scope.changedBetween(at(7, 59, 30), at(8, 0, 10))).toEqual(['box-1'])
    expect(scope.changedBetween(at(8, 0, 10), at(8, 0, 40))).toEqual([])
    expect(scope.changedBetween(at(11, 59, 50), at(12))).toEqual(['box-1'])
    expect(scope.changedBetween(at(12), at(12, 0, 30))).toEqual([])
    // A shift until 24:00 ends at Tuesday's first minute.
    expect(scope.changedBetween(at(23, 59, 50), at(24, 0, 10))).toEqual(['box-2'])
  })

  it('finds dated duty sessions and box moves taking effect, and no retired box', () => {
    const { registry, scope } = scoped()
    registry.signIn('cuong', 'q2', at(9, 30, 15))
    expect(scope.changedBetween(at(9, 30), at(9, 30, 30))).toEqual(['box-2'])
    registry.assignBox('box-3', 'q1', at(10))
    expect(scope.changedBetween(at(9, 59, 59), at(10))).toEqual(['box-3'])
    expect(scope.boxesAt('q1', at(10)).sort()).toEqual(['box-1', 'box-3'])
    registry.retireBox('box-1', at(10, 30))
    expect(scope.boxesAt('q1', at(11))).toEqual(['box-3'])
    expect(scope.isActive('box-1')).toBe(false)
  })

  it('gives up on spans longer than ten minutes or a clock set back (every box needs a look)', () => {
    const { scope } = scoped()
    expect(scope.changedBetween(at(9), at(9, 10, 1))).toBeNull()
    expect(scope.changedBetween(at(9), at(8, 59))).toBeNull()
  })
})
