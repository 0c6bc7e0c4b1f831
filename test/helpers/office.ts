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

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng']
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Minh', 'Ngọc', 'Thanh']
const GIVEN = ['An', 'Bình', 'Cường', 'Dũng', 'Giang', 'Hà', 'Hạnh', 'Hùng', 'Khánh', 'Lan', 'Long', 'Mai', 'Nam', 'Nhung', 'Phương', 'Quân', 'Thảo', 'Trang', 'Tuấn']

/** One office with `n` counters, each with its officer and its box (box-1 at q1 ...): a large centre. */
export function largeOffice(n: number): RegistryConfig {
  const ids = Array.from({ length: n }, (_, i) => i + 1)
  return {
    offices: [{ id: 'hcc', name: 'Trung tâm Phục vụ hành chính công tỉnh' }],
    counters: ids.map((i) => ({ id: `q${i}`, office: 'hcc', name: `Quầy ${i}` })),
    officers: ids.map((i) => ({ id: `cb${i}`, office: 'hcc', name: `${FAMILY[i % FAMILY.length]} ${MIDDLE[i % MIDDLE.length]} ${GIVEN[i % GIVEN.length]}` })),
    boxes: ids.map((i) => ({ id: `box-${i}`, counter: `q${i}`, secret: SECRET(`box-${i}`) })),
    shifts: [],
  }
}
