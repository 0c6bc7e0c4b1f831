// The deployment's rating scale on the dashboard: the server sends its levels (best first)
// with every live snapshot and report, and every table has one column per level. The
// figures here are the server's (gateway/stats.ts): satisfied levels / total, and the mean of
// the levels' scores.
import { lang } from './i18n.js'

/** The three levels boxes have always had, until a snapshot says otherwise. */
export const DEFAULT_LEVELS = [
  { id: 'positive', label: 'Rất hài lòng', labelEn: 'Very satisfied', score: 100, satisfied: true },
  { id: 'neutral', label: 'Hài lòng', labelEn: 'Satisfied', score: 50, satisfied: true },
  { id: 'negative', label: 'Không hài lòng', labelEn: 'Not satisfied', score: 0, satisfied: false },
]

// One face per level id, the same on every scale: the default box's three keep theirs, and
// "Bình thường" (fair) has the neutral face too.
export const FACES = { positive: '😊', neutral: '😐', fair: '😐', negative: '☹️', 'very-negative': '😠' }

/** The level's label in the dashboard's language. */
export const levelLabel = (l) => (lang() === 'en' ? l.labelEn : l.label)

export const zeroCounts = (levels) => Object.fromEntries(levels.map((l) => [l.id, 0]))

export function figuresOf(c, levels) {
  let total = 0
  let satisfied = 0
  let points = 0
  for (const l of levels) {
    const n = c[l.id] ?? 0
    total += n
    if (l.satisfied) satisfied += n
    points += n * l.score
  }
  return { total, satisfaction: total ? satisfied / total : null, index: total ? points / total : null }
}

/** "Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / Tổng số đánh giá", in the dashboard's language. */
export function satisfactionDefinition(levels) {
  const names = levels.filter((l) => l.satisfied).map(levelLabel).join(' + ')
  return lang() === 'en' ? `Satisfaction rate = (${names}) / all ratings` : `Tỷ lệ hài lòng = (${names}) / Tổng số đánh giá`
}
