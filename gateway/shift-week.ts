/**
 * A counter's whole weekly schedule replaced in one step: what the dashboard's shift grid
 * saves. Everything is checked before anything is written, and the write is one transaction,
 * so a refused week leaves the old one untouched (never half a week).
 *
 * The schedule is a template that repeats every week (shifts have a weekday, not a date), so
 * "copying a week" means giving another counter this counter's pattern, not copying a dated
 * week: the page loads one counter's week into another's grid, the admin changes the
 * officers, and saves it through here.
 *
 * Refused: a weekday outside 1 (Thứ Hai) .. 7 (Chủ Nhật); a shift that does not start before
 * it ends; two shifts of the counter that overlap (which officer would get the press?); an
 * officer of another office; an officer scheduled at another counter at an overlapping time
 * (one person is at one counter at a time; a press at either would credit them).
 */
import type { Db } from './store/database.ts'
import type { Registry, Shift } from './registry.ts'
import { RegistryError } from './registry-errors.ts'
import { formatHhMm } from './local-time.ts'

export interface WeekShift {
  weekday: number
  officerId: string
  startMin: number
  endMin: number
}

const overlaps = (a: WeekShift, b: WeekShift) => a.weekday === b.weekday && a.startMin < b.endMin && b.startMin < a.endMin
const span = (s: WeekShift) => `${formatHhMm(s.startMin)}–${formatHhMm(s.endMin)}`

export function checkWeek(registry: Registry, counterId: string, week: WeekShift[]): void {
  const counter = registry.requireCounter(counterId)
  for (const s of week) {
    if (!Number.isInteger(s.weekday) || s.weekday < 1 || s.weekday > 7) {
      throw new RegistryError(`shift weekday must be 1 (Monday) to 7 (Sunday), got ${s.weekday}`, 'INVALID_SHIFT', { weekday: s.weekday })
    }
    if (!(s.startMin >= 0 && s.endMin <= 1440 && s.startMin < s.endMin)) {
      throw new RegistryError(`shift must start before it ends within one day (${span(s)})`, 'INVALID_SHIFT', { weekday: s.weekday, from: formatHhMm(s.startMin), to: formatHhMm(s.endMin) })
    }
    const officer = registry.requireOfficer(s.officerId)
    if (officer.officeId !== counter.officeId) {
      throw new RegistryError(`officer ${officer.id} works in another office than counter ${counter.id}`, 'OFFICER_OTHER_OFFICE', { officer: officer.id, counter: counter.id })
    }
  }
  week.forEach((a, i) => {
    const b = week.slice(i + 1).find((x) => overlaps(a, x))
    if (b) {
      throw new RegistryError(`shifts ${span(a)} and ${span(b)} overlap on weekday ${a.weekday}`, 'SHIFT_OVERLAP', { weekday: a.weekday, from: formatHhMm(b.startMin), to: formatHhMm(b.endMin) })
    }
  })
  const elsewhere = registry.shifts().filter((x) => x.counterId !== counterId)
  for (const s of week) {
    const other = elsewhere.find((x) => x.officerId === s.officerId && overlaps(s, x))
    if (other) {
      throw new RegistryError(
        `officer ${s.officerId} is scheduled at counter ${other.counterId} on weekday ${s.weekday} ${span(other)}`,
        'OFFICER_DOUBLE_BOOKED',
        { officer: s.officerId, counter: other.counterId, weekday: s.weekday, from: formatHhMm(other.startMin), to: formatHhMm(other.endMin) },
      )
    }
  }
}

/** Replaces every shift of `counterId` with `week` (checked first, then one transaction). */
export function replaceWeek(db: Db, registry: Registry, counterId: string, week: WeekShift[]): Shift[] {
  checkWeek(registry, counterId, week)
  db.transaction(() => {
    for (const s of registry.shifts(counterId)) registry.removeShift(s.id)
    for (const s of week) registry.addShift({ counterId, ...s })
  })()
  return registry.shifts(counterId)
}
