/**
 * A report as CSV with Vietnamese headers, rates as percentages with a decimal comma
 * ("87,5 %"), and a choice of separator: a semicolon for Excel in a Vietnamese (or European)
 * locale, where the list separator is ";" and "," is the decimal mark. Callers add the UTF-8
 * BOM that makes Excel read Vietnamese names right.
 */
import type { PeriodReport } from './period-report.ts'
import { GROUP_LABELS, LEVELS, TOO_FEW, TOTAL, rowName, viNumber, viPercent, viPoints } from './labels.ts'

export function reportCsv(report: PeriodReport, opts: { separator?: ',' | ';' } = {}): string {
  const sep = opts.separator ?? ','
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
    ...LEVELS.map((l) => l.label),
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
        ...LEVELS.map((l) => cell(r[l.key])),
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
      ...LEVELS.map((l) => cell(t[l.key])),
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
  return lines.join('\r\n') + '\r\n'
}
