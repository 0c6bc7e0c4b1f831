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

/**
 * A profile of another process by Linux `perf` (package linux-perf): samples every thread of
 * `pid` on the CPU clock while `fn` runs, with call graphs. Node must run with
 * `--perf-basic-prof` so JavaScript frames have names. Why not V8's profiler: on a machine
 * whose cores are all busy (the gateway and the load generator on 2 cores), its sampling
 * thread runs mostly while the main thread waits, so a saturated event loop reads as 90 %
 * "(idle)"; perf samples from the kernel and sees where the CPU time goes.
 * Returns null (and runs `fn` alone) when perf is not installed or may not attach.
 */
export async function perfProfiled<T>(pid: number, file: string, fn: () => Promise<T>): Promise<{ result: T; file: string | null }> {
  const { spawn, spawnSync } = await import('node:child_process')
  if (spawnSync('perf', ['--version']).status !== 0) return { result: await fn(), file: null }
  const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(pid), '-o', file], { stdio: 'ignore' })
  const exited = new Promise<number | null>((resolve) => perf.on('exit', resolve).on('error', () => resolve(null)))
  // perf needs a moment to attach to every thread before the load starts.
  await new Promise((r) => setTimeout(r, 500))
  try {
    return { result: await fn(), file }
  } finally {
    perf.kill('SIGINT')
    await exited
  }
}

export interface InclusiveSpot {
  fn: string
  /** Share of all samples of the process (every thread) with this function on the stack. */
  inclusivePct: number
  selfPct: number
}

/**
 * The functions of a `perf record -g` file with their inclusive share: JavaScript frames
 * (`JS:`), the garbage collector and system calls, the ones that say where a press's time goes.
 */
export async function perfHotSpots(file: string, top = 25): Promise<InclusiveSpot[]> {
  const { spawnSync } = await import('node:child_process')
  const r = spawnSync('perf', ['report', '-i', file, '--children', '--sort', 'sym', '--stdio', '-g', 'none'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const spots: InclusiveSpot[] = []
  for (const line of r.stdout.split('\n')) {
    const m = /^\s+([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(.*)$/.exec(line)
    if (!m) continue
    const sym = m[3].trim()
    const js = /^JS:[*^~]?(\S*) (\S+)$/.exec(sym)
    let fn: string
    if (js) {
      const where = js[2].startsWith('file://') ? relative(process.cwd(), new URL(js[2]).pathname) : js[2]
      fn = `${js[1] || '(anonymous)'} ${where}`
    } else if (/Heap::(Scavenge|MarkCompact|CollectGarbage)|ScavengerCollector::CollectGarbage/.test(sym)) fn = `GC: ${sym}`
    else if (sym === 'do_syscall_64') fn = 'system calls (kernel)'
    else continue
    // One function compiled at several tiers (interpreted, optimised) has one line per tier:
    // the stacks of a sample hold one of them, so their shares add up.
    const same = spots.find((s) => s.fn === fn)
    if (same) {
      same.inclusivePct = Math.round((same.inclusivePct + Number(m[1])) * 100) / 100
      same.selfPct = Math.round((same.selfPct + Number(m[2])) * 100) / 100
    } else spots.push({ fn, inclusivePct: Number(m[1]), selfPct: Number(m[2]) })
  }
  // The event loop's own frames (processTicksAndRejections, processImmediate...) hold everything: they say nothing.
  const generic = /^(processTicksAndRejections|processImmediate|processTimers|listOnTimeout|emitReadable_|(anonymous)) node:/
  return spots
    .filter((s) => !generic.test(s.fn))
    .sort((a, b) => b.inclusivePct - a.inclusivePct)
    .slice(0, top)
}
