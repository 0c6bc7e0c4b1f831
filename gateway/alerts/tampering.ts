/**
 * Tampering signals as alerts (issue 13 item 4): the signals of the rating-window report
 * (window-report.ts, computed there and only there) over the current local day, at the
 * counters of offices that open rating windows. An office that has never opened one works as
 * before windows existed: its presses all have no window and nobody tampers with a window it
 * does not use, so it gets none of these alerts.
 */
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { localTime, startOfLocalDay } from '../local-time.ts'
import { buildWindowReport, type SignalLimits } from '../window-report.ts'
import type { TamperingCondition } from './conditions.ts'
import type { AlertRules } from './rules.ts'

export function signalLimits(r: AlertRules): SignalLimits {
  return {
    noWindow: { min: r.noWindowMinCount, share: r.noWindowShare },
    unratedRun: r.unratedRunMin,
    burst: { presses: r.ratingBurstMinCount, gapMs: r.ratingBurstGapSec * 1000 },
    outsideShift: r.outsideShiftMinCount,
  }
}

export function tampering(deps: { db: Db; timezone: string }, now: number, r: AlertRules): TamperingCondition[] {
  if (!r.tampering) return []
  // Offices with a window ever opened (one index seek each on windows_office).
  const offices = sql(deps.db, 'SELECT o.id FROM offices o WHERE EXISTS (SELECT 1 FROM windows w WHERE w.office_id = o.id)').all() as Array<{ id: string }>
  if (offices.length === 0) return []
  const counters = new Map(
    (sql(deps.db, 'SELECT id, office_id AS officeId FROM counters').all() as Array<{ id: string; officeId: string }>).map((c) => [c.id, c.officeId]),
  )
  const using = new Set(offices.map((o) => o.id))
  const day = localTime(now, deps.timezone).date
  const report = buildWindowReport(deps.db, { fromMs: startOfLocalDay(now, deps.timezone), toMs: now + 1, limits: signalLimits(r) })
  return report.signals.flatMap((signal) => {
    const officeId = counters.get(signal.counterId)
    if (officeId === undefined || !using.has(officeId)) return []
    return [{ kind: 'tampering' as const, officeId, counterId: signal.counterId, officerId: signal.officerId, day, signal }]
  })
}
