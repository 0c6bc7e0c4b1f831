/** The (box, seq) pairs a store holds, grouped by box: what the durability check compares with the boxes' ledger. */
export function seqsByBox(rows: Iterable<{ box: string; seq: number }>): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>()
  for (const r of rows) {
    let set = out.get(r.box)
    if (!set) out.set(r.box, (set = new Set()))
    set.add(r.seq)
  }
  return out
}
