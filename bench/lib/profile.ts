/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function, so a missed
 * goal comes with the hot spots that explain it.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

interface CpuNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

export interface HotSpot {
  fn: string
  where: string
  selfPct: number
}

export function hotSpots(file: string, top = 15): HotSpot[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: CpuNode[]; samples: number[] }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const counts = new Map<string, { fn: string; where: string; hits: number }>()
  let total = 0
  for (const id of profile.samples) {
    const n = byId.get(id)
    if (!n) continue
    total++
    const { functionName, url, lineNumber } = n.callFrame
    const path = url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url || '(native)'
    // tsx-transpiled modules report lines of the generated code: the file alone is the useful part.
    const where = !path ? '(native)' : path.endsWith('.ts') ? path : `${path}:${lineNumber + 1}`
    const key = `${functionName}@${where}`
    const c = counts.get(key) ?? { fn: functionName || '(anonymous)', where, hits: 0 }
    c.hits++
    counts.set(key, c)
  }
  return [...counts.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map((c) => ({ fn: c.fn, where: c.where, selfPct: Math.round((c.hits / Math.max(1, total)) * 1000) / 10 }))
}

/**
 * Profiles `fn` in this process with the inspector's CPU profiler (only the part that
 * matters, not start-up) and writes the profile to `file`.
 */
export async function profiled<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const { Session } = await import('node:inspector/promises')
  const { writeFileSync } = await import('node:fs')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  try {
    return await fn()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(file, JSON.stringify(profile))
    session.disconnect()
  }
}
