/**
 * The alert rules: each with a time window and, where a share or a count decides, a minimum
 * sample, so that two frowns out of five ratings (a bad quarter of an hour, not a pattern)
 * alarm nobody. The config file's `alerts:` section gives the rules of a deployment; what an
 * admin saves on the dashboard (PUT /api/alert-settings) is kept in SQLite and takes
 * precedence key by key, as the file's registry never undoes a dashboard change.
 */
import { Type, type Static, type TObject, type TPartial, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$'

export const AlertRulesSchema = Type.Object(
  {
    frownWindowMin: Type.Integer({ minimum: 5, maximum: 1440, default: 60, description: 'Frowns: the window of the share, minutes' }),
    frownShare: Type.Number({ minimum: 0, maximum: 1, default: 0.3, description: 'Frowns: alert when the share of frowns at a counter is above this (0..1)' }),
    frownMinCount: Type.Integer({ minimum: 1, maximum: 10000, default: 10, description: 'Frowns: fewest counted ratings at the counter in the window before the share counts' }),
    officeDays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { default: [1, 2, 3, 4, 5], description: 'ISO weekdays the office is open (1 = Monday)' }),
    officeFrom: Type.String({ pattern: HHMM, default: '07:30', description: 'Office opens, local HH:MM' }),
    officeTo: Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$', default: '17:00', description: 'Office closes, local HH:MM' }),
    offlineMinutes: Type.Integer({ minimum: 0, maximum: 1440, default: 15, description: 'Box offline: alert when a box at a counter has been offline this long during office hours (a box never seen at once)' }),
    rejectedWindowMin: Type.Integer({ minimum: 1, maximum: 10080, default: 1440, description: 'Rejected messages and bursts: the window, minutes' }),
    rejectedMinCount: Type.Integer({ minimum: 1, maximum: 100000, default: 1, description: 'Rejected messages: fewest from one box in the window before it is an alert' }),
    burstMinCount: Type.Integer({ minimum: 1, maximum: 100000, default: 1, description: 'Bursts: fewest presses beyond the human rate from one box in the window before it is an alert' }),
    system: Type.Boolean({ default: true, description: "The gateway's own conditions (clock, disk, backup) are alerts" }),
    // Tampering signals of the rating-window report (window-report.ts), over the current local day.
    tampering: Type.Boolean({ default: true, description: 'Tampering signals of rating windows are alerts, in offices that open windows' }),
    noWindowMinCount: Type.Integer({ minimum: 1, maximum: 100000, default: 5, description: 'Presses with no window: fewest today at a counter that opened windows...' }),
    noWindowShare: Type.Number({ minimum: 0, maximum: 1, default: 0.3, description: '...and their least share of its presses today (0..1)' }),
    unratedRunMin: Type.Integer({ minimum: 1, maximum: 10000, default: 5, description: 'Windows never rated: fewest in a row at one counter' }),
    ratingBurstMinCount: Type.Integer({ minimum: 2, maximum: 10000, default: 5, description: 'One rating in a burst: fewest of the same rating in a row at one counter...' }),
    ratingBurstGapSec: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: '...each within this many seconds of the one before' }),
    outsideShiftMinCount: Type.Integer({ minimum: 1, maximum: 100000, default: 1, description: 'Presses outside shifts: fewest today at a counter with nobody on duty' }),
  },
  { additionalProperties: false },
)
export type AlertRules = Static<typeof AlertRulesSchema>

/** The same keys with no defaults, all optional: what a dashboard may change (a patch). */
export const AlertRulesPatchSchema = patchOf(AlertRulesSchema)
export type AlertRulesPatch = Static<typeof AlertRulesPatchSchema>

function patchOf<T extends TObject>(schema: T): TPartial<T> {
  // Rest copies keep TypeBox's symbol keys; only `default` is dropped, so a patch that leaves a
  // key out never resets it to the schema's default.
  const props = Object.fromEntries(
    Object.entries(schema.properties).map(([k, p]) => {
      const { default: _unused, ...rest } = p as { default?: unknown }
      return [k, rest as TSchema]
    }),
  )
  return Type.Partial(Type.Object(props, { additionalProperties: false })) as unknown as TPartial<T>
}

const KEY = 'alerts'

/** The rules in force: the file's, overridden by what admins saved on the dashboard. */
export function effectiveRules(db: Db, fromConfig: AlertRules): AlertRules {
  const row = sql(db, 'SELECT value FROM dashboard_settings WHERE key = ?').get(KEY) as { value: string } | undefined
  const saved = row ? (JSON.parse(row.value) as Record<string, unknown>) : {}
  const merged = Value.Default(AlertRulesSchema, { ...structuredClone(fromConfig), ...Value.Clean(AlertRulesPatchSchema, saved) as object }) as AlertRules
  // A stored value from an older schema that no longer validates never disables alerting.
  return Value.Check(AlertRulesSchema, merged) ? merged : structuredClone(fromConfig)
}

/** Saves a dashboard change (only the keys given) and returns the rules then in force. */
export function saveRules(db: Db, fromConfig: AlertRules, patch: AlertRulesPatch, now: number): AlertRules {
  const row = sql(db, 'SELECT value FROM dashboard_settings WHERE key = ?').get(KEY) as { value: string } | undefined
  const saved = { ...(row ? (JSON.parse(row.value) as object) : {}), ...patch }
  const merged = { ...structuredClone(fromConfig), ...saved }
  if (!Value.Check(AlertRulesSchema, merged)) {
    const first = [...Value.Errors(AlertRulesSchema, merged)][0]
    throw Object.assign(new Error(`${first?.path ?? '/'}: ${first?.message ?? 'invalid'}`), { statusCode: 400 })
  }
  sql(db, 'INSERT INTO dashboard_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
    KEY,
    JSON.stringify(saved),
    now,
  )
  return merged
}

/** Whether the office is open at `lt` (a local weekday and minute of the day). */
export function officeOpen(rules: AlertRules, lt: { weekday: number; minute: number }, parse: (hhmm: string) => number): boolean {
  return rules.officeDays.includes(lt.weekday) && lt.minute >= parse(rules.officeFrom) && lt.minute < parse(rules.officeTo)
}
