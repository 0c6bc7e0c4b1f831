/**
 * The province's rating scale: the levels its dashboard, API and CSV show, and the scale its
 * figures are computed on (`chamdiem central serve --rating-scale`, the same shape and presets
 * as a gateway's `ratingScale`; default three levels).
 *
 * Centres may rate on other scales. Every press is stored and rolled up under its level id,
 * which has one meaning on every scale (protocol/rating-scale.ts). A press at a level the
 * province's scale lacks (a five-level centre's "Bình thường" on a three-level province) must
 * not vanish, nor be given a score the province never chose:
 * - it is counted under its own id and in `total`;
 * - the satisfaction rate (and its Wilson interval, hence the rank) is over every press, so
 *   such a press counts as not satisfied: no scale counts a level missing from the province's
 *   as satisfied the province's way, and leaving it out would flatter the centre;
 * - the index is the mean score of the presses the province's scale scores (`scored`), since
 *   it has no score for the others;
 * - the row lists those counts in `outside`, and the response names the levels in
 *   `outsideScale`, so a reader sees that and where the figures mix scales.
 */
import { Value } from '@sinclair/typebox/value'
import { LEVEL_IDS, SCALE_PRESETS, resolveScale, type Rating, type RatingLevel, type RatingScale } from '../../protocol/index.ts'
import { RatingScaleSchema } from '../config-schema.ts'
import { MIN_RATINGS, figures, wilsonInterval, type Figures, type RatingCounts } from '../stats.ts'
import { ROLLUP_COLUMNS } from './rollups.ts'

/** Each id's label with its one meaning, for a level the province's scale lacks. */
const ALL_LEVELS: RatingScale = SCALE_PRESETS[5]

export interface ProvinceFigures extends Figures {
  /** Presses the scale scores (its levels): what the index is the mean of. */
  scored: number
  /** Counts at levels the province's scale lacks (absent when there are none). */
  outside?: RatingCounts
}

/** `SELECT`-list counts of presses `p` per level id, named by roll-up column. */
export const PRESS_COUNTS = LEVEL_IDS.map((r) => `count(*) FILTER (WHERE p.rating = '${r}') AS ${ROLLUP_COLUMNS[r]}`).join(',\n  ')

/** The five counts of a query row whose columns are named by roll-up column (bigint strings). */
export function countsOf(row: Record<string, unknown>): Record<Rating, number> {
  return Object.fromEntries(LEVEL_IDS.map((r) => [r, Number(row[ROLLUP_COLUMNS[r]] ?? 0)])) as Record<Rating, number>
}

/** The figures of `c` on the province's scale, presses at levels outside it counted as above. */
export function provinceFigures(c: RatingCounts, scale: RatingScale, minRatings = MIN_RATINGS): ProvinceFigures {
  const f = figures(c, minRatings, scale)
  const ids = new Set<Rating>(scale.map((l) => l.id))
  const outside: RatingCounts = {}
  let extra = 0
  for (const id of LEVEL_IDS) {
    const n = c[id] ?? 0
    if (!ids.has(id) && n > 0) {
      outside[id] = n
      extra += n
    }
  }
  if (extra === 0) return { ...f, scored: f.total }
  const satisfied = scale.filter((l) => l.satisfied).reduce((s, l) => s + (c[l.id] ?? 0), 0)
  const total = f.total + extra
  const w = wilsonInterval(satisfied, total)
  return {
    ...f,
    ...outside,
    total,
    scored: f.total,
    satisfaction: satisfied / total,
    wilsonLow: w?.low ?? null,
    wilsonHigh: w?.high ?? null,
    tooFew: total < minRatings,
    outside,
  }
}

/** The levels outside `scale` that some row counts (rows carry counts under level ids), with their labels, best first. */
export function outsideLevels(rows: readonly RatingCounts[], scale: RatingScale): RatingLevel[] {
  const ids = new Set<string>(scale.map((l) => l.id))
  return ALL_LEVELS.filter((l) => !ids.has(l.id) && rows.some((r) => (r[l.id] ?? 0) > 0))
}

/**
 * The province's scale from `--rating-scale`: a preset (3, 4 or 5) or the path of a YAML or
 * JSON file holding a gateway's `ratingScale` section ({ preset } or { levels: [...] }).
 */
export async function loadProvinceScale(arg: string | undefined): Promise<RatingScale> {
  if (arg === undefined) return SCALE_PRESETS[3]
  if (/^[345]$/.test(arg)) return SCALE_PRESETS[Number(arg) as 3 | 4 | 5]
  if (/^\d+$/.test(arg)) throw new Error(`a preset is 3, 4 or 5 levels (got ${arg})`)
  const [{ readFileSync }, { parse }] = await Promise.all([import('node:fs'), import('yaml')])
  const text = readFileSync(arg, 'utf8')
  const parsed = parse(text) as { ratingScale?: unknown } | null
  return provinceScale(parsed && typeof parsed === 'object' && 'ratingScale' in parsed ? parsed.ratingScale : parsed, arg)
}

/** A `ratingScale` section checked as a gateway's config checks it; the levels in full. */
export function provinceScale(section: unknown, source = 'ratingScale'): RatingScale {
  const value = Value.Default(RatingScaleSchema, structuredClone(section ?? {})) as { preset: 3 | 4 | 5; levels?: Array<Partial<RatingLevel>> }
  const errors = [...Value.Errors(RatingScaleSchema, value)].map((e) => `${e.path || '/'}: ${e.message}`)
  if (errors.length > 0) throw new Error(`${source}: ${errors.join('; ')}`)
  const scale = resolveScale(value, '/levels')
  if ('problems' in scale) throw new Error(`${source}: ${scale.problems.join('; ')}`)
  return scale.levels
}
