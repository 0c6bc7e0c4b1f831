/**
 * A report as an Excel workbook in the layout appraisal boards use: a title with the unit
 * and the period, then one row per officer (or counter, or office) with the count of each
 * rating level, the total, the satisfaction rate, the rank and "too few" (DESIGN.md: ranked
 * by the Wilson lower bound, under MIN_RATINGS ratings not ranked), the change against the
 * previous period and the same period a year before; the definition of the figures under
 * it. Numbers stay numbers (rates are fractions formatted as %), so the board can compute
 * with them. A second sheet holds the trend per row. exceljs is heavy: only this module
 * loads it, and only the export route and `chamdiem report --format xlsx` load this module.
 */
import ExcelJS from 'exceljs'
import type { PeriodReport } from './period-report.ts'
import { viDate } from './periods.ts'
import { GROUP_LABELS, TOO_FEW, TOTAL, definition, rowName } from './labels.ts'

export const SHEET = 'Kết quả đánh giá'
export const TREND_SHEET = 'Xu hướng'
/** Rows above the table: unit, title, period, blank; the header row follows. */
export const HEADER_ROW = 5

export async function reportWorkbook(report: PeriodReport, opts: { unit: string; generatedAt?: number }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'chamdiem'
  if (opts.generatedAt !== undefined) wb.created = new Date(opts.generatedAt)
  const ws = wb.addWorksheet(SHEET, { pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } })
  const levels = report.scale
  const header = [
    'STT',
    GROUP_LABELS[report.by],
    ...levels.map((l) => l.label),
    'Tổng số',
    'Tỷ lệ hài lòng',
    'Xếp hạng',
    'Ghi chú',
    `So với ${report.previous.period.label} (điểm %)`,
    `So với ${report.yearAgo.period.label} (điểm %)`,
  ]
  const width = header.length
  const title = (row: number, text: string, font: Partial<ExcelJS.Font>) => {
    ws.mergeCells(row, 1, row, width)
    const c = ws.getCell(row, 1)
    c.value = text
    c.font = font
    c.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true }
  }
  title(1, opts.unit.toUpperCase(), { bold: true, size: 12 })
  title(2, `KẾT QUẢ ĐÁNH GIÁ SỰ HÀI LÒNG — ${report.period.label.toUpperCase()}`, { bold: true, size: 14 })
  title(3, `Từ ngày ${viDate(report.period.from)} đến ngày ${viDate(report.period.to)}`, { italic: true })

  const head = ws.getRow(HEADER_ROW)
  head.values = header
  head.font = { bold: true }
  head.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true }
  head.height = 45

  const points = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10)
  report.rows.forEach((r, i) => {
    ws.addRow([
      i + 1,
      rowName(r),
      ...levels.map((l) => r[l.id] ?? 0),
      r.total,
      r.satisfaction,
      r.rank,
      r.tooFew ? TOO_FEW : null,
      points(r.vsPrevious.satisfaction),
      points(r.vsYearAgo.satisfaction),
    ])
  })
  const t = report.totals
  const totalRow = ws.addRow([
    null,
    TOTAL,
    ...levels.map((l) => t[l.id] ?? 0),
    t.total,
    t.satisfaction,
    null,
    null,
    points(report.totalsVsPrevious.satisfaction),
    points(report.totalsVsYearAgo.satisfaction),
  ])
  totalRow.font = { bold: true }

  const pctCol = 3 + levels.length + 1
  ws.getColumn(pctCol).numFmt = '0.0%'
  ws.getColumn(width - 1).numFmt = '+0.0;-0.0;0.0'
  ws.getColumn(width).numFmt = '+0.0;-0.0;0.0'
  ws.columns.forEach((col, i) => (col.width = i === 1 ? 30 : i === 0 ? 6 : 14))
  for (let r = HEADER_ROW; r <= totalRow.number; r++) {
    for (let c = 1; c <= width; c++) ws.getCell(r, c).border = { top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } }
  }
  ws.views = [{ state: 'frozen', ySplit: HEADER_ROW }]
  const note = ws.getRow(totalRow.number + 2)
  ws.mergeCells(note.number, 1, note.number, width)
  note.getCell(1).value = definition(report)
  note.getCell(1).alignment = { wrapText: true, vertical: 'top' }
  note.height = 45

  trendSheet(wb.addWorksheet(TREND_SHEET), report)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** Satisfaction per row and sub-period (day or month); an empty cell where there was no rating. */
function trendSheet(ws: ExcelJS.Worksheet, report: PeriodReport): void {
  const { buckets, step, byKey } = report.trend
  const label = (b: { from: string }) => (step === 'month' ? `${b.from.slice(5, 7)}/${b.from.slice(0, 4)}` : viDate(b.from))
  ws.addRow([GROUP_LABELS[report.by], ...buckets.map(label)]).font = { bold: true }
  for (const r of report.rows) {
    const pts = byKey[r.key] ?? []
    ws.addRow([rowName(r), ...buckets.map((_, i) => pts[i]?.satisfaction ?? null)])
  }
  ws.getColumn(1).width = 30
  for (let c = 2; c <= buckets.length + 1; c++) ws.getColumn(c).numFmt = '0.0%'
}
