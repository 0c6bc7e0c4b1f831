/**
 * A report as CSV with Vietnamese headers, rates as percentages with a decimal comma
 * ("87,5 %"), and a choice of separator: a semicolon for Excel in a Vietnamese (or European)
 * locale, where the list separator is ";" and "," is the decimal mark. Callers add the UTF-8
 * BOM that makes Excel read Vietnamese names right. One column per level of the report's
 * scale; the last line says how the rate and the index are defined on it.
 */
import type { PeriodReport } from './period-report.ts'
import { GROUP_LABELS, TOO_FEW, TOTAL, definition, rowName, viNumber, viPercent, viPoints } from './labels.ts'

export function reportCsv(report: PeriodReport, opts: { separator?: ',' | ';' } = {}): string {
  const sep = opts.separator ?? ','
  const levels = report.scale
  const cell = (v: unknown, text = false) => {
    if (v === null || v === undefined) return ''
    let s = String(v)
    // A name starting with = + - @ would run as a formula in Excel (CSV injection): quote it.
    if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
    // A lone carriage return ends a row in Excel as a line feed does: quote it too.
    return s.includes(sep) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const header = [
    'Hạng',
    'Mã',
    GROUP_LABELS[report.by],
    ...levels.map((l) => l.label),
    'Tổng số',
    'Bấm lặp (không tính)',
    'Bấm dồn dập (không tính)',
    'Tỷ lệ hài lòng',
    'Chỉ số (0-100)',
    'Cận dưới 95%',
    'Cận trên 95%',
    'Ghi chú',
    'So với kỳ trước (điểm %)',
    'So với cùng kỳ năm trước (điểm %)',
  ]
  const lines = [header.map((h) => cell(h)).join(sep)]
  for (const r of report.rows) {
    lines.push(
      [
        cell(r.rank),
        cell(r.key, true),
        cell(rowName(r), true),
        ...levels.map((l) => cell(r[l.id] ?? 0)),
        cell(r.total),
        cell(r.repeats),
        cell(r.bursts),
        cell(viPercent(r.satisfaction)),
        cell(viNumber(r.index)),
        cell(viPercent(r.wilsonLow)),
        cell(viPercent(r.wilsonHigh)),
        cell(r.tooFew ? TOO_FEW : ''),
        cell(viPoints(r.vsPrevious.satisfaction)),
        cell(viPoints(r.vsYearAgo.satisfaction)),
      ].join(sep),
    )
  }
  const t = report.totals
  lines.push(
    [
      '',
      cell(TOTAL),
      '',
      ...levels.map((l) => cell(t[l.id] ?? 0)),
      cell(t.total),
      cell(t.repeats),
      cell(t.bursts),
      cell(viPercent(t.satisfaction)),
      cell(viNumber(t.index)),
      cell(viPercent(t.wilsonLow)),
      cell(viPercent(t.wilsonHigh)),
      '',
      cell(viPoints(report.totalsVsPrevious.satisfaction)),
      cell(viPoints(report.totalsVsYearAgo.satisfaction)),
    ].join(sep),
  )
  // The definition on the scale of this report, under the table, in the first cell.
  lines.push(cell(`Ghi chú: ${definition(report)}`, true))
  return lines.join('\r\n') + '\r\n'
}
