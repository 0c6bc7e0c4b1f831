/**
 * The benchmark's office: one office, counters with an officer on duty all week (so every
 * press is attributed, the realistic path), and `n` boxes spread over the counters, each with
 * a deterministic secret so the generator process can log in without being told.
 */
import type { RegistryConfig } from '../../gateway/config-schema.ts'
import type { BoxCredentials } from '../load/generator.ts'

export const COUNTERS = 20

export function boxIds(n: number, prefix = 'bench'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`)
}

export function secretOf(boxId: string): string {
  return `bench-secret-${boxId}-0123456789`
}

export function credentials(n: number, prefix = 'bench'): BoxCredentials[] {
  return boxIds(n, prefix).map((id) => ({ id, secret: secretOf(id) }))
}

export function benchRegistry(boxes: number, prefix = 'bench'): RegistryConfig {
  const counters = Array.from({ length: COUNTERS }, (_, i) => `q${i + 1}`)
  return {
    offices: [{ id: 'bench-office', name: 'Benchmark office' }],
    counters: counters.map((id, i) => ({ id, office: 'bench-office', name: `Quầy ${i + 1}` })),
    officers: counters.map((_, i) => ({ id: `officer-${i + 1}`, office: 'bench-office', name: `Cán bộ ${i + 1}` })),
    boxes: boxIds(boxes, prefix).map((id, i) => ({ id, counter: counters[i % COUNTERS], secret: secretOf(id) })),
    // On duty every day, all day: attribution finds an officer for every press.
    shifts: counters.map((counter, i) => ({ counter, officer: `officer-${i + 1}`, days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' })),
  }
}
