/**
 * The rating levels a box may report, and the scales a deployment builds from them. The
 * protocol fixes five level ids, best first; a deployment uses three (the default: a smiley,
 * a neutral face and a frown), four or five of them, in this order, with its own labels and
 * scores (gateway config `ratingScale`). The ids of the default scale are the ones boxes have
 * always sent, so existing boxes and databases read on unchanged.
 *
 * Each id has ONE meaning on every scale, so changing the number of levels never relabels the
 * presses a database already holds (a "Rất hài lòng" stays "Rất hài lòng" when an office moves
 * from three levels to five): positive = "Rất hài lòng", neutral = "Hài lòng", fair = "Bình
 * thường", negative = "Không hài lòng", very-negative = "Rất không hài lòng". The id `neutral`
 * means "Hài lòng" for historical reasons (the default box's smiley / neutral face / frown);
 * the survey's "Bình thường" is `fair`.
 */

export const LEVEL_IDS = ['positive', 'neutral', 'fair', 'negative', 'very-negative'] as const
export type Rating = (typeof LEVEL_IDS)[number]

/** The ids of the default three-level scale: what every box sent before scales existed. */
export const RATINGS = ['positive', 'neutral', 'negative'] as const satisfies readonly Rating[]

export interface RatingLevel {
  id: Rating
  /** Vietnamese label, as reports print it. */
  label: string
  labelEn: string
  /** Points of one press at this level; the mean over presses is the report's index. */
  score: number
  /** Counts towards the satisfaction rate. */
  satisfied: boolean
}

export type RatingScale = readonly RatingLevel[]

const level = (id: Rating, label: string, labelEn: string, score: number, satisfied: boolean): RatingLevel => ({ id, label, labelEn, score, satisfied })

/**
 * The scales provinces use. Three: the counters' "Rất hài lòng / Hài lòng / Không hài lòng"
 * (Decision 766/QĐ-TTg counts the first two as satisfied). Five: the Ministry of Information
 * and Communications survey. Four: the five without "Bình thường", a forced choice.
 */
export const SCALE_PRESETS: Record<3 | 4 | 5, RatingScale> = {
  3: [
    level('positive', 'Rất hài lòng', 'Very satisfied', 100, true),
    level('neutral', 'Hài lòng', 'Satisfied', 50, true),
    level('negative', 'Không hài lòng', 'Not satisfied', 0, false),
  ],
  4: [
    level('positive', 'Rất hài lòng', 'Very satisfied', 100, true),
    level('neutral', 'Hài lòng', 'Satisfied', 67, true),
    level('negative', 'Không hài lòng', 'Not satisfied', 33, false),
    level('very-negative', 'Rất không hài lòng', 'Very dissatisfied', 0, false),
  ],
  5: [
    level('positive', 'Rất hài lòng', 'Very satisfied', 100, true),
    level('neutral', 'Hài lòng', 'Satisfied', 75, true),
    level('fair', 'Bình thường', 'Neutral', 50, false),
    level('negative', 'Không hài lòng', 'Not satisfied', 25, false),
    level('very-negative', 'Rất không hài lòng', 'Very dissatisfied', 0, false),
  ],
}

export const DEFAULT_SCALE: RatingScale = SCALE_PRESETS[3]

export function isRating(value: unknown): value is Rating {
  return (LEVEL_IDS as readonly unknown[]).includes(value)
}

/**
 * The levels of a `ratingScale` section that passed its schema (a gateway's config, the
 * province's `--rating-scale`): the preset's, or its own once sound, each English label
 * defaulting to the Vietnamese one. Problems are named under `at` (the section's levels).
 */
export function resolveScale(section: { preset: 3 | 4 | 5; levels?: ReadonlyArray<Partial<RatingLevel>> }, at: string): { levels: RatingScale } | { problems: string[] } {
  if (!section.levels) return { levels: structuredClone(SCALE_PRESETS[section.preset]) as RatingScale }
  const problems = scaleProblems(section.levels, at)
  if (problems.length > 0) return { problems }
  return { levels: section.levels.map((l) => ({ ...l, labelEn: l.labelEn ?? l.label })) as RatingScale }
}

/** Problems of a scale, each as `path: problem` under `at` (empty when it is sound). */
export function scaleProblems(levels: ReadonlyArray<Partial<RatingLevel>>, at = ''): string[] {
  const problems: string[] = []
  if (levels.length < 3 || levels.length > 5) problems.push(`${at}: a rating scale has 3, 4 or 5 levels (got ${levels.length})`)
  const seen = new Map<string, number>()
  levels.forEach((l, i) => {
    if (!isRating(l.id)) return problems.push(`${at}/${i}/id: must be one of ${LEVEL_IDS.join(', ')} (got ${JSON.stringify(l.id)})`)
    const first = seen.get(l.id)
    if (first !== undefined) problems.push(`${at}/${i}/id: "${l.id}" is already level ${first}; each level has its own id`)
    else seen.set(l.id, i)
  })
  // Best first, as the protocol lists them: a box's first button is the best level everywhere.
  const order = levels.map((l) => LEVEL_IDS.indexOf(l.id as Rating)).filter((k) => k >= 0)
  if (seen.size === levels.length && order.some((k, i) => i > 0 && k < order[i - 1])) {
    problems.push(`${at}: levels go best first in the protocol's order (${LEVEL_IDS.join(', ')}); got ${levels.map((l) => l.id).join(', ')}`)
  }
  levels.forEach((l, i) => {
    const next = levels[i + 1]
    if (next && typeof l.score === 'number' && typeof next.score === 'number' && next.score > l.score) {
      problems.push(`${at}/${i + 1}/score: a worse level cannot score more than a better one (${next.score} > ${l.score})`)
    }
  })
  if (levels.length > 0 && levels.every((l) => l.satisfied === true)) problems.push(`${at}: at least one level must not count as satisfied`)
  if (levels.length > 0 && levels.every((l) => l.satisfied === false)) problems.push(`${at}: at least one level must count as satisfied`)
  return problems
}

/** How the satisfaction rate and the index of a scale are defined, in words a report prints. */
export function scaleDefinition(scale: RatingScale, lang: 'vi' | 'en' = 'vi'): { satisfaction: string; index: string } {
  const name = (l: RatingLevel) => (lang === 'vi' ? l.label : l.labelEn)
  const satisfied = scale.filter((l) => l.satisfied).map(name).join(' + ')
  const points = scale.map((l) => `${name(l)} = ${l.score}`).join(', ')
  return lang === 'vi'
    ? { satisfaction: `Tỷ lệ hài lòng = (${satisfied}) / Tổng số đánh giá`, index: `Chỉ số = điểm trung bình mỗi đánh giá (${points})` }
    : { satisfaction: `Satisfaction rate = (${satisfied}) / all ratings`, index: `Index = mean points per rating (${points})` }
}
