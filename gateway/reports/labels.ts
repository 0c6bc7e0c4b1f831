/**
 * The words exports and printed reports use, in Vietnamese as the province reads them. The
 * rating levels and their labels come from the report's scale (config ratingScale), so a
 * scale with more levels adds columns rather than code.
 */
import { MIN_RATINGS } from '../stats.ts'
import type { GroupBy, Report } from '../report.ts'

export const GROUP_LABELS: Record<GroupBy, string> = { officer: 'Họ và tên', counter: 'Quầy', office: 'Đơn vị' }
export const NO_OFFICER_LABEL = 'Chưa xác định cán bộ'
export const NO_COUNTER_LABEL = 'Chưa gắn quầy'
export const TOO_FEW = 'Quá ít đánh giá'
export const TOTAL = 'Tổng cộng'

/** How the figures are defined on the report's scale, printed under every table so a reader can check them. */
export function definition(report: Pick<Report, 'definition'>): string {
  const d = report.definition.vi
  return (
    `${d.satisfaction}. ${d.index}. Xếp hạng theo cận dưới khoảng tin cậy Wilson 95% của tỷ lệ hài lòng; ` +
    `dưới ${MIN_RATINGS} đánh giá: "${TOO_FEW}", không xếp hạng. Bấm lặp (trong thời gian chờ) và bấm dồn dập không được tính.`
  )
}

/** 87,5 % (Vietnamese decimal comma); '' when there is no rate. */
export function viPercent(v: number | null, digits = 1): string {
  return v === null ? '' : `${(v * 100).toFixed(digits).replace('.', ',')} %`
}

/** A number with a decimal comma: 92,3. */
export function viNumber(v: number | null, digits = 1): string {
  return v === null ? '' : v.toFixed(digits).replace('.', ',')
}

/** A change of the satisfaction rate in percentage points: +5,0 / -2,5; '' when not comparable. */
export function viPoints(v: number | null): string {
  if (v === null) return ''
  const s = viNumber(Math.abs(v) * 100)
  return v > 0.0005 ? `+${s}` : v < -0.0005 ? `-${s}` : s
}

/** The row's name as a report prints it. */
export function rowName(r: { key: string; name: string }): string {
  if (r.key === 'unattributed') return NO_OFFICER_LABEL
  if (r.key === 'unassigned') return NO_COUNTER_LABEL
  return r.name
}
