/**
 * The demo's office: a ward public administration service centre (since July 2025 the
 * one-stop-shop of a commune or ward; districts are gone) with seven counters, ten
 * officers on a weekly schedule, one box per counter, and a rating mix per officer chosen so
 * the dashboard shows a visible spread, from an officer citizens love to one they do not.
 * Box secrets are drawn fresh on every call; everything else is fixed.
 */
import { randomBytes } from 'node:crypto'
import type { RegistryConfig } from '../gateway/config-schema.ts'
import type { CounterTraffic, RatingMix } from './traffic.ts'

export const DEMO_OFFICE = {
  id: 'hcc-hoa-binh',
  name: 'Trung tâm Phục vụ hành chính công phường Hòa Bình',
}

interface SeedOfficer {
  id: string
  name: string
  /** The mix citizens give this officer now. */
  mix: RatingMix
  /** How much the positive share grew over the seeded history (taken from the negative share). */
  trend?: number
}

const OFFICERS: SeedOfficer[] = [
  { id: 'lan', name: 'Nguyễn Thị Lan', mix: { positive: 0.86, neutral: 0.12, negative: 0.02 } },
  { id: 'hung', name: 'Trần Văn Hùng', mix: { positive: 0.38, neutral: 0.3, negative: 0.32 }, trend: 0.16 },
  { id: 'mai', name: 'Lê Thị Mai', mix: { positive: 0.7, neutral: 0.24, negative: 0.06 } },
  { id: 'tuan', name: 'Phạm Minh Tuấn', mix: { positive: 0.55, neutral: 0.35, negative: 0.1 }, trend: -0.12 },
  { id: 'huong', name: 'Hoàng Thị Hương', mix: { positive: 0.78, neutral: 0.18, negative: 0.04 } },
  { id: 'duc-anh', name: 'Vũ Đức Anh', mix: { positive: 0.5, neutral: 0.3, negative: 0.2 } },
  {
    id: 'trang',
    name: 'Đặng Thị Thu Trang',
    mix: { positive: 0.66, neutral: 0.28, negative: 0.06 },
  },
  { id: 'huy', name: 'Bùi Quang Huy', mix: { positive: 0.45, neutral: 0.4, negative: 0.15 } },
  {
    id: 'ngoc-anh',
    name: 'Đỗ Thị Ngọc Ánh',
    mix: { positive: 0.74, neutral: 0.2, negative: 0.06 },
  },
  { id: 'phuc', name: 'Ngô Văn Phúc', mix: { positive: 0.6, neutral: 0.3, negative: 0.1 } },
]

/** Counters: who sits there on which weekdays, and how many citizens an hour they serve. */
const COUNTERS: Array<{
  id: string
  name: string
  ratePerHour: number
  rota: Array<{ officer: string; days: number[] }>
}> = [
  {
    id: 'q1',
    name: 'Quầy 1 – Đất đai',
    ratePerHour: 18,
    rota: [{ officer: 'lan', days: [1, 2, 3, 4, 5] }],
  },
  {
    id: 'q2',
    name: 'Quầy 2 – Hộ tịch',
    ratePerHour: 22,
    rota: [{ officer: 'hung', days: [1, 2, 3, 4, 5] }],
  },
  {
    id: 'q3',
    name: 'Quầy 3 – Chứng thực',
    ratePerHour: 26,
    rota: [{ officer: 'mai', days: [1, 2, 3, 4, 5] }],
  },
  {
    id: 'q4',
    name: 'Quầy 4 – Đăng ký kinh doanh',
    ratePerHour: 12,
    rota: [{ officer: 'tuan', days: [1, 2, 3, 4, 5] }],
  },
  {
    id: 'q5',
    name: 'Quầy 5 – Xây dựng',
    ratePerHour: 10,
    rota: [
      { officer: 'huong', days: [1, 3, 5] },
      { officer: 'duc-anh', days: [2, 4] },
    ],
  },
  {
    id: 'q6',
    name: 'Quầy 6 – Văn hóa – Xã hội',
    ratePerHour: 14,
    rota: [
      { officer: 'trang', days: [1, 3, 5] },
      { officer: 'huy', days: [2, 4] },
    ],
  },
  {
    id: 'q7',
    name: 'Quầy 7 – Trả kết quả',
    ratePerHour: 30,
    rota: [
      { officer: 'ngoc-anh', days: [1, 2, 3] },
      { officer: 'phuc', days: [4, 5] },
    ],
  },
]

export interface SeededOffice {
  registry: RegistryConfig
  /** Traffic per box, rated from the mix of the officer signed in at start. */
  traffic: CounterTraffic[]
  /** Who to sign in at each counter when the demo starts (today's rota, Monday's at weekends). */
  onDuty: Array<{ officer: string; counter: string }>
  officerName(id: string): string
}

/**
 * The mix citizens give an officer at `progress` through the seeded history (0 = its start,
 * 1 = now): two officers drift, so trends and period comparisons have something to show.
 * An unknown or absent officer (nobody on duty) gets the office's average mix.
 */
export function officerMix(officerId: string | null, progress: number): RatingMix {
  const o = OFFICERS.find((x) => x.id === officerId)
  if (!o) return { positive: 0.6, neutral: 0.3, negative: 0.1 }
  const shift = (o.trend ?? 0) * (Math.min(1, Math.max(0, progress)) - 1)
  const negative = Math.min(0.9, Math.max(0, o.mix.negative! - shift))
  return { positive: Math.max(0, 1 - o.mix.neutral! - negative), neutral: o.mix.neutral, negative }
}

/** Who the weekly rota puts at the counter of `boxId` on `weekday` (1 = Monday), or null. */
export function rotaOfficer(boxId: string, weekday: number): string | null {
  const counter = COUNTERS.find((c) => boxIdOf(c.id) === boxId)
  return counter?.rota.find((r) => r.days.includes(weekday))?.officer ?? null
}

export function boxIdOf(counterId: string): string {
  return `hop-${counterId}`
}

/** Builds the office; `weekday` (1 = Monday) picks who is on duty now. `speedUp` scales the arrival rates. */
export function seedOffice(opts: { weekday: number; rateFactor?: number }): SeededOffice {
  const day = opts.weekday >= 1 && opts.weekday <= 5 ? opts.weekday : 1
  const registry: RegistryConfig = {
    offices: [DEMO_OFFICE],
    counters: COUNTERS.map((c) => ({ id: c.id, office: DEMO_OFFICE.id, name: c.name })),
    officers: OFFICERS.map((o) => ({ id: o.id, office: DEMO_OFFICE.id, name: o.name })),
    boxes: COUNTERS.map((c) => ({
      id: boxIdOf(c.id),
      counter: c.id,
      secret: randomBytes(24).toString('base64url'),
    })),
    shifts: COUNTERS.flatMap((c) =>
      c.rota.flatMap((r) => [
        { counter: c.id, officer: r.officer, days: r.days, from: '07:30', to: '11:30' },
        { counter: c.id, officer: r.officer, days: r.days, from: '13:30', to: '17:00' },
      ]),
    ),
  }
  const onDuty = COUNTERS.map((c) => ({
    counter: c.id,
    officer: (c.rota.find((r) => r.days.includes(day)) ?? c.rota[0]).officer,
  }))
  const mixOf = (officer: string) => (OFFICERS.find((o) => o.id === officer) as SeedOfficer).mix
  const traffic = COUNTERS.map((c, i) => ({
    boxId: boxIdOf(c.id),
    ratePerHour: c.ratePerHour * (opts.rateFactor ?? 1),
    mix: mixOf(onDuty[i].officer),
  }))
  return {
    registry,
    traffic,
    onDuty,
    officerName: (id) => OFFICERS.find((o) => o.id === id)?.name ?? id,
  }
}

/**
 * A large synthetic office for load runs: `boxes` counters with one officer each, on duty
 * around the clock (so attribution does not depend on the hour), one box per counter with a
 * random secret. Written as a gateway config, it provisions the gateway and feeds `simulate`.
 */
export function generateRegistry(boxes: number, officeId = 'sim'): RegistryConfig {
  const ids = Array.from({ length: boxes }, (_, i) => i + 1)
  return {
    offices: [{ id: officeId, name: 'Trung tâm Phục vụ hành chính công (mô phỏng)' }],
    counters: ids.map((i) => ({ id: `q${i}`, office: officeId, name: `Quầy ${i}` })),
    officers: ids.map((i) => ({ id: `o${i}`, office: officeId, name: `Cán bộ ${i}` })),
    boxes: ids.map((i) => ({
      id: `box-${i}`,
      counter: `q${i}`,
      secret: randomBytes(24).toString('base64url'),
    })),
    shifts: ids.map((i) => ({
      counter: `q${i}`,
      officer: `o${i}`,
      days: [1, 2, 3, 4, 5, 6, 7],
      from: '00:00',
      to: '24:00',
    })),
  }
}
