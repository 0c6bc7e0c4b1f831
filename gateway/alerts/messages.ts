/**
 * The words of a delivered alert and of the scheduled report, in Vietnamese (the office's
 * language; DESIGN.md: Vietnamese by default). Dates as 28/11/2026, times as 14:05, in the
 * gateway's time zone; a share as a whole percentage.
 */
import { formatHhMm, localTime } from '../local-time.ts'
import type { AlertRecord } from './history.ts'
import type { WindowSignal } from '../window-report.ts'
import type { Rating } from '../../protocol/index.ts'

/** Names of what an alert is about, looked up in the registry (ids where none is known). */
export interface Names {
  office(id: string | null): string | null
  counter(id: string | null): string | null
  officer(id: string | null): string | null
}

/** 28/11/2026 */
export function viDate(ms: number, timeZone: string): string {
  const [y, m, d] = localTime(ms, timeZone).date.split('-')
  return `${d}/${m}/${y}`
}

/** 14:05 28/11/2026 */
export function viDateTime(ms: number, timeZone: string): string {
  return `${formatHhMm(localTime(ms, timeZone).minute)} ${viDate(ms, timeZone)}`
}

const pct = (share: number) => `${Math.round(share * 100)}%`

const TAMPERING: Record<WindowSignal['kind'], string> = {
  noWindowPresses: 'nhiều lượt bấm ngoài phiên đánh giá',
  unratedRun: 'nhiều phiên đánh giá liên tiếp không được đánh giá',
  ratingBurst: 'một mức đánh giá được bấm dồn dập',
  outsideShift: 'lượt bấm khi không có cán bộ trực',
}
// Each level id means the same on every scale (protocol/rating-scale.ts), so its label is fixed.
const RATING_VI: Record<Rating, string> = {
  positive: 'Rất hài lòng',
  neutral: 'Hài lòng',
  fair: 'Bình thường',
  negative: 'Không hài lòng',
  'very-negative': 'Rất không hài lòng',
}

function tamperingFigures(s: WindowSignal, timeZone: string): string {
  const hhmm = (ms: number) => formatHhMm(localTime(ms, timeZone).minute)
  switch (s.kind) {
    case 'noWindowPresses':
      return `${s.presses} lượt bấm ngoài phiên đánh giá trong ngày (${pct(s.share)} số lượt bấm của quầy)`
    case 'unratedRun':
      return `${s.windows} phiên đánh giá liên tiếp không được đánh giá, từ ${hhmm(s.from)} đến ${hhmm(s.to)}`
    case 'ratingBurst':
      return `${s.presses} lần liền "${RATING_VI[s.rating] ?? s.rating}" từ ${hhmm(s.from)} đến ${hhmm(s.to)}`
    case 'outsideShift':
      return `${s.presses} lượt bấm trong ngày khi không có cán bộ trực`
  }
}

/** One line saying what is wrong, e.g. the subject of the mail. */
export function alertSummary(a: AlertRecord, n: Names, timeZone: string): string {
  const counter = n.counter('counterId' in a ? a.counterId : null) ?? '—'
  switch (a.kind) {
    case 'frowns':
      return `Tỷ lệ "Không hài lòng" ${pct(a.share)} tại ${counter}`
    case 'boxOffline':
      return `Hộp ${a.boxId} tại ${counter} mất kết nối trong giờ làm việc`
    case 'rejected':
      return `${a.count} tin nhắn không ghi nhận được từ hộp ${a.boxId ?? '(không rõ)'}`
    case 'burst':
      return `${a.count} lượt bấm vượt nhịp bấm của người từ hộp ${a.boxId}`
    case 'tampering':
      return `Dấu hiệu bất thường tại ${counter}: ${TAMPERING[a.signal.kind]}`
    case 'system':
      switch (a.condition) {
        case 'clockUnsynced':
          return 'Đồng hồ máy chủ chưa được đồng bộ (NTP)'
        case 'clockStepped':
          return `Đồng hồ máy chủ ${a.byMs < 0 ? 'lùi' : 'nhảy tới'} ${Math.round(Math.abs(a.byMs) / 60_000)} phút lúc ${viDateTime(a.at, timeZone)}`
        case 'diskLow':
          return `Ổ đĩa máy chủ sắp đầy: còn ${a.freeMB} MB (ngưỡng ${a.minFreeMB} MB)`
        case 'backupFailed':
          return 'Sao lưu dữ liệu hằng ngày không thành công'
      }
  }
}

/** The figures behind the alert, in words an office head can check. */
function figuresLine(a: AlertRecord, timeZone: string): string {
  switch (a.kind) {
    case 'frowns':
      return `${a.negative}/${a.total} lượt đánh giá "Không hài lòng" (${pct(a.share)}) trong ${a.windowMin} phút qua`
    case 'boxOffline':
      return a.lastSeenAt === null ? 'Hộp chưa từng kết nối' : `Kết nối lần cuối lúc ${viDateTime(a.lastSeenAt, timeZone)} (ngưỡng ${a.minutes} phút)`
    case 'rejected':
      return `${a.count} tin nhắn trong ${a.windowMin} phút qua; lý do gần nhất: ${a.lastReason}`
    case 'burst':
      return `${a.count} lượt bấm không được tính trong ${a.windowMin} phút qua`
    case 'tampering':
      return tamperingFigures(a.signal, timeZone)
    case 'system':
      return a.condition === 'backupFailed' ? `Lỗi: ${a.message}` : 'Ảnh hưởng đến số liệu của mọi đơn vị'
  }
}

export function alertMail(a: AlertRecord, n: Names, timeZone: string): { subject: string; text: string } {
  const office = n.office(a.officeId)
  const subject = `[Cảnh báo #${a.id}] ${alertSummary(a, n, timeZone)}${office ? ` – ${office}` : ''}`
  const counterId = 'counterId' in a ? a.counterId : null
  const officerId = 'officerId' in a ? a.officerId : null
  const lines = [
    `Cảnh báo #${a.id}: ${alertSummary(a, n, timeZone)}`,
    '',
    `Thời điểm: ${viDateTime(a.raisedAt, timeZone)}`,
    `Đơn vị: ${office ?? 'Toàn hệ thống'}`,
    ...(counterId ? [`Quầy: ${n.counter(counterId) ?? counterId}`] : []),
    ...(a.kind === 'frowns' || a.kind === 'boxOffline' || a.kind === 'burst' || a.kind === 'tampering' ? [`Cán bộ: ${officerId ? (n.officer(officerId) ?? officerId) : 'Không có cán bộ trực'}`] : []),
    ...('boxId' in a && a.boxId ? [`Hộp: ${a.boxId}`] : []),
    `Số liệu: ${figuresLine(a, timeZone)}`,
    '',
    'Vui lòng xem và xác nhận (kèm ghi chú) trên trang "Cảnh báo" của bảng điều khiển.',
    '',
    '— Hệ thống Chấm điểm (thư tự động, vui lòng không trả lời)',
  ]
  return { subject, text: lines.join('\n') }
}

export interface ReportMailFigures {
  officeName: string
  fromMs: number
  /** Exclusive end (local midnight after the last day). */
  toMs: number
  schedule: 'daily' | 'weekly'
  total: number
  satisfaction: number | null
  /** Presses at the levels that do not count as satisfied, and those levels' labels. */
  negative: number
  negativeLabels?: string
  satisfiedLabels?: string
  rows: number
}

export function reportMail(f: ReportMailFigures, timeZone: string): { subject: string; text: string } {
  const first = viDate(f.fromMs, timeZone)
  const last = viDate(f.toMs - 1, timeZone)
  const span = f.schedule === 'daily' ? `ngày ${first}` : `tuần ${first} – ${last}`
  const subject = `Báo cáo mức độ hài lòng ${span} – ${f.officeName}`
  const lines = [
    `Báo cáo mức độ hài lòng của người dân, tổ chức ${span}`,
    `Đơn vị: ${f.officeName}`,
    '',
    `Tổng số lượt đánh giá: ${f.total}`,
    `Tỷ lệ hài lòng (${f.satisfiedLabels ?? 'Rất hài lòng + Hài lòng'}): ${f.satisfaction === null ? '—' : `${(f.satisfaction * 100).toFixed(1).replace('.', ',')}%`}`,
    `Số lượt "${f.negativeLabels ?? 'Không hài lòng'}": ${f.negative}`,
    '',
    `Chi tiết (${f.rows} dòng) trong tệp CSV đính kèm.`,
    '',
    '— Hệ thống Chấm điểm (thư tự động, vui lòng không trả lời)',
  ]
  return { subject, text: lines.join('\n') }
}
