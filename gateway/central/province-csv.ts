/**
 * A province ranking or drill-down level as CSV. By default as the gateway's own exports
 * (reports/csv.ts): Vietnamese headers, one column per level of the province's scale under its
 * label, rates as "87,5 %", a UTF-8 BOM for Excel, and the definition of the figures in a last
 * line. `header: 'ids'` gives the machine-readable form scripts read: ids as headers, rates as
 * fractions (on the default three levels, exactly the columns this export always had).
 *
 * Levels some row counts that the province's scale lacks (province-scale.ts) get a column of
 * their own after the scale's, headed "<label> (ngoài thang điểm)" (ids: the id), and the
 * note says how they were counted.
 */
import type { RatingLevel, RatingScale } from '../../protocol/index.ts'
import { scaleDefinition } from '../../protocol/index.ts'
import { MIN_RATINGS } from '../stats.ts'
import { TOO_FEW, rowName, viNumber, viPercent } from '../reports/labels.ts'
import type { RankedRow } from './province-queries.ts'

export type CsvHeader = 'labels' | 'ids'

const OUTSIDE = 'ngoài thang điểm'

function cell(v: unknown, text = false): string {
  if (v === null || v === undefined) return ''
  let s = typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v)
  // A leading = + - @ would be a formula in a spreadsheet (CSV injection).
  if ((text || typeof v === 'string') && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The note under the table: how the figures are defined on the province's scale, and what lies outside it. */
export function csvNote(scale: RatingScale, outside: readonly RatingLevel[]): string {
  const d = scaleDefinition(scale, 'vi')
  let note = `Ghi chú: ${d.satisfaction}. ${d.index}. Xếp hạng theo cận dưới khoảng tin cậy Wilson 95% của tỷ lệ hài lòng; dưới ${MIN_RATINGS} đánh giá: "${TOO_FEW}", không xếp hạng.`
  if (outside.length > 0) {
    note +=
      ` Có đánh giá ở mức ngoài thang điểm của tỉnh (${outside.map((l) => l.label).join(', ')}), từ trung tâm dùng thang điểm khác:` +
      ' tính vào Tổng số và là chưa hài lòng khi tính tỷ lệ hài lòng; không tính vào Chỉ số (thang điểm của tỉnh không có điểm cho mức này).'
  }
  return note
}

export function rankingToCsv(rows: RankedRow[], scale: RatingScale, outside: readonly RatingLevel[], header: CsvHeader = 'labels'): string {
  const levels = [...scale, ...outside]
  if (header === 'ids') {
    const head = ['rank', 'key', 'name', 'centreName', ...levels.map((l) => l.id), 'total', 'satisfaction', 'index', 'wilsonLow', 'wilsonHigh']
    const line = (r: RankedRow) =>
      [r.rank, r.key, r.name, r.centreName, ...levels.map((l) => r[l.id] ?? 0), r.total, r.satisfaction, r.index, r.wilsonLow, r.wilsonHigh].map((v) => cell(v)).join(',')
    return [head.join(','), ...rows.map(line)].join('\n') + '\n'
  }
  const head = [
    'Hạng',
    'Mã',
    'Tên',
    'Trung tâm',
    ...scale.map((l) => l.label),
    ...outside.map((l) => `${l.label} (${OUTSIDE})`),
    'Tổng số',
    'Tỷ lệ hài lòng',
    'Chỉ số (0-100)',
    'Cận dưới 95%',
    'Cận trên 95%',
    'Ghi chú',
  ]
  const line = (r: RankedRow) =>
    [
      cell(r.rank),
      cell(r.key, true),
      cell(rowName(r), true),
      cell(r.centreName, true),
      ...levels.map((l) => cell(r[l.id] ?? 0)),
      cell(r.total),
      cell(viPercent(r.satisfaction)),
      cell(viNumber(r.index)),
      cell(viPercent(r.wilsonLow)),
      cell(viPercent(r.wilsonHigh)),
      cell(r.tooFew ? TOO_FEW : ''),
    ].join(',')
  return '\uFEFF' + [head.map((h) => cell(h)).join(','), ...rows.map(line), cell(csvNote(scale, outside), true)].join('\r\n') + '\r\n'
}
