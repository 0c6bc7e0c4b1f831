/**
 * The dashboard's one formatting helper and its error texts (public/i18n.js, a plain ES module
 * loaded here as the browser loads it): dates as 28/11/2026 in both languages, Vietnamese
 * decimal commas, weekdays by name, and server error codes in the chosen language.
 */
import { beforeEach, describe, expect, it } from 'vitest'

let stored = 'vi'
// The page keeps the chosen language in localStorage; Node has none.
;(globalThis as unknown as { localStorage: unknown }).localStorage = {
  getItem: () => stored,
  setItem: (_k: string, v: string) => (stored = v),
}
const I18N: string = '../../gateway/http/public/i18n.js'
type Fmt = Record<string, (x: unknown) => string>
const { fmt, errorText, setTimeZone } = (await import(I18N)) as {
  fmt: Fmt
  errorText: (err: unknown, nameOf?: (kind: string, id: string) => string) => string
  setTimeZone: (z: string) => void
}

// 2026-11-28 03:05 UTC = 10:05 in Hanoi.
const MS = Date.UTC(2026, 10, 28, 3, 5, 9)

beforeEach(() => {
  stored = 'vi'
  setTimeZone('Asia/Ho_Chi_Minh')
})

describe('fmt', () => {
  it('writes Vietnamese dates as 28/11/2026 and numbers with a decimal comma', () => {
    expect(fmt.date(MS)).toBe('28/11/2026')
    expect(fmt.dateTime(MS)).toBe('28/11/2026 10:05')
    expect(fmt.time(MS)).toBe('10:05:09')
    expect(fmt.isoDate('2026-11-28')).toBe('28/11/2026')
    expect(fmt.isoMonth('2026-11-28')).toBe('11/2026')
    expect(fmt.pct(11 / 12)).toBe('91,7%')
    expect(fmt.num1(87.5)).toBe('87,5')
    expect(fmt.int(12345)).toBe('12.345')
    expect(fmt.weekday(1)).toBe('Thứ Hai')
    expect(fmt.weekday(7)).toBe('Chủ Nhật')
  })

  it('keeps the same date order in English, with English separators', () => {
    stored = 'en'
    expect(fmt.date(MS)).toBe('28/11/2026')
    expect(fmt.dateTime(MS)).toBe('28/11/2026 10:05')
    expect(fmt.pct(11 / 12)).toBe('91.7%')
    expect(fmt.int(12345)).toBe('12,345')
    expect(fmt.weekday(1)).toBe('Monday')
  })

  it('follows the office time zone across midnight', () => {
    // 17:30 UTC on the 27th is already the 28th in Hanoi.
    expect(fmt.date(Date.UTC(2026, 10, 27, 17, 30))).toBe('28/11/2026')
  })
})

describe('errorText', () => {
  const names = (kind: string, id: string) => ({ officer: { binh: 'Trần Thị Bình' }, counter: { q1: 'Quầy 1' } } as Record<string, Record<string, string>>)[kind]?.[id] ?? id

  it('says what the code means in the chosen language, with names and weekdays', () => {
    const err = { status: 400, code: 'OFFICER_DOUBLE_BOOKED', params: { officer: 'binh', counter: 'q1', weekday: 2, from: '07:30', to: '11:30' }, message: 'officer binh is scheduled…' }
    expect(errorText(err, names)).toBe('Cán bộ Trần Thị Bình đã có lịch ở Quầy 1 vào Thứ Ba, 07:30–11:30')
    stored = 'en'
    expect(errorText(err, names)).toBe('Officer Trần Thị Bình is already scheduled at Quầy 1 on Tuesday, 07:30–11:30')
  })

  it('never shows the server\'s English text: unknown codes fall back to the status, no status to "unreachable"', () => {
    expect(errorText({ status: 404, code: 'SOMETHING_NEW', message: 'no such thing' })).toBe('Không tìm thấy')
    expect(errorText({ status: 502, message: 'Bad Gateway' })).toBe('Máy chủ gặp lỗi; vui lòng thử lại sau hoặc báo quản trị viên')
    expect(errorText(new TypeError('Failed to fetch'))).toBe('Không kết nối được máy chủ')
    expect(errorText({ status: 400, code: 'INVALID_REQUEST', params: { field: '/password' } })).toBe('Dữ liệu gửi lên không hợp lệ (password)')
  })
})
