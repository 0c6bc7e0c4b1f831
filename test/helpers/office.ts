/** A small office used across gateway tests: 2 counters, 3 officers, 3 boxes with known secrets. */
import type { RegistryConfig } from '../../gateway/config-schema.ts'

export const SECRET = (boxId: string) => `secret-of-${boxId}-0123456789`

export const OFFICE: RegistryConfig = {
  offices: [{ id: 'hcc', name: 'Trung tâm Phục vụ hành chính công' }],
  counters: [
    { id: 'q1', office: 'hcc', name: 'Quầy 1' },
    { id: 'q2', office: 'hcc', name: 'Quầy 2' },
  ],
  officers: [
    { id: 'an', office: 'hcc', name: 'Nguyễn Văn An' },
    { id: 'binh', office: 'hcc', name: 'Trần Thị Bình' },
    { id: 'cuong', office: 'hcc', name: 'Lê Văn Cường' },
  ],
  boxes: [
    { id: 'box-1', counter: 'q1', secret: SECRET('box-1') },
    { id: 'box-2', counter: 'q2', secret: SECRET('box-2') },
    { id: 'box-3', secret: SECRET('box-3') },
  ],
  shifts: [],
}

export function press(seq: number, rating: 'positive' | 'neutral' | 'negative', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ seq, boot: 'b00t', rating, ageMs: 0, ...extra })
}
