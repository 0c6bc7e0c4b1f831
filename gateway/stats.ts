/**
 * The figures an office reports, on the deployment's rating scale (protocol/rating-scale.ts).
 * Satisfaction rate = presses at the levels the scale counts as satisfied / total; with the
 * default three levels that is (positive + neutral) / total, the share of "rất hài lòng" +
 * "hài lòng" that Decision 766/QĐ-TTg and provincial reports use. Index = the mean of the
 * levels' scores (100 / 50 / 0 by default). The Wilson 95% interval of the satisfaction rate
 * keeps an officer with 4 votes from outranking one with 400: rank by its lower bound.
 */
import { DEFAULT_SCALE, type Rating, type RatingScale } from '../protocol/index.ts'

/** Counted presses per level id; a level of the scale that is missing counts 0. */
export type RatingCounts = Partial<Record<Rating, number>>

export interface Figures extends RatingCounts {
  total: number
  /** 0..1, null when there are no ratings. */
  satisfaction: number | null
  /** 0..100, null when there are no ratings. */
  index: number | null
  wilsonLow: number | null
  wilsonHigh: number | null
  /** Fewer ratings than `MIN_RATINGS`: shown, but not ranked with the others. */
  tooFew: boolean
}

/** Below this many ratings a rate is shown as "too few ratings" rather than ranked. */
export const MIN_RATINGS = 10

const Z95 = 1.959963984540054

export function wilsonInterval(successes: number, n: number, z = Z95): { low: number; high: number } | null {
  if (n <= 0) return null
  const p = successes / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const center = (p + z2 / (2 * n)) / denom
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) }
}

/** The figures of `c` on `scale`: one count per level of the scale (in its order), then the rates. */
export function figures(c: RatingCounts, minRatings = MIN_RATINGS, scale: RatingScale = DEFAULT_SCALE): Figures {
  let total = 0
  let satisfied = 0
  let points = 0
  const counts: RatingCounts = {}
  for (const l of scale) {
    const n = c[l.id] ?? 0
    counts[l.id] = n
    total += n
    if (l.satisfied) satisfied += n
    points += n * l.score
  }
  const w = wilsonInterval(satisfied, total)
  return {
    ...counts,
    total,
    satisfaction: total > 0 ? satisfied / total : null,
    index: total > 0 ? points / total : null,
    wilsonLow: w?.low ?? null,
    wilsonHigh: w?.high ?? null,
    tooFew: total < minRatings,
  }
}

/** `SUM(...) AS "<id>"` per level of the scale, for a query whose presses table is `alias`. */
export function levelSums(scale: RatingScale, alias = '', extra = ''): string {
  const p = alias ? `${alias}.` : ''
  return scale.map((l) => `SUM(${p}rating = '${l.id}'${extra}) AS "${l.id}"`).join(', ')
}

/** Ranks by the Wilson lower bound; rows with too few ratings go last, by total. */
export function rankByLowerBound<T extends Figures>(rows: T[]): T[] {
  return [...rows].sort((a, b) => {
    if (a.tooFew !== b.tooFew) return a.tooFew ? 1 : -1
    if (a.tooFew) return b.total - a.total
    return (b.wilsonLow ?? 0) - (a.wilsonLow ?? 0) || b.total - a.total
  })
}
