import { describe, expect, it } from 'vitest'
import { localMidnight, localTime, localTimeViaIntl, startOfLocalDay } from '../../gateway/local-time.ts'

describe('local time', () => {
  it.each(['Asia/Ho_Chi_Minh', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'])(
    'the fast path agrees with Intl in %s, across DST changes',
    (zone) => {
      let x = 42
      const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32)
      const from = Date.parse('2025-01-01T00:00:00Z')
      const span = 2 * 365 * 86_400_000
      for (let i = 0; i < 3000; i++) {
        const ms = from + Math.floor(rnd() * span)
        expect(localTime(ms, zone), new Date(ms).toISOString()).toEqual(localTimeViaIntl(ms, zone))
      }
    },
  )

  it('knows Vietnamese weekdays and midnight', () => {
    // Monday 23 November 2026, 00:30 in Hanoi is Sunday 17:30 UTC.
    expect(localTime(Date.parse('2026-11-22T17:30:00Z'), 'Asia/Ho_Chi_Minh')).toEqual({ weekday: 1, minute: 30, date: '2026-11-23' })
    expect(localMidnight('2026-11-23', 'Asia/Ho_Chi_Minh')).toBe(Date.parse('2026-11-22T17:00:00Z'))
    expect(startOfLocalDay(Date.parse('2026-11-23T10:00:00+07:00'), 'Asia/Ho_Chi_Minh')).toBe(Date.parse('2026-11-23T00:00:00+07:00'))
  })
})
