// The child side of bench/lib/child.ts, in plain JavaScript: the compiled targets
// (bench/targets/*.js) run on plain Node, as the installed package does, without tsx.
// Types: serve-parent.d.ts.
import { getHeapSpaceStatistics } from 'node:v8'

/** Requests every child answers: `youngGeneration`, the bytes V8 holds for its new space. */
const BUILT_IN = {
  youngGeneration: () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0,
}

/**
 * Reports `ready` with `info`, answers requests with `handlers`, and on `stop` runs `onStop`
 * and exits. Exits too when the parent goes away.
 */
export function serveParent(info, handlers, onStop) {
  const send = (m) => process.send?.(m)
  process.on('message', async (m) => {
    if (m.type === 'stop') {
      try {
        await onStop()
      } finally {
        process.exit(0)
      }
    }
    const h = handlers[m.type] ?? BUILT_IN[m.type]
    if (!h) return send({ id: m.id, error: `unknown request ${m.type}` })
    try {
      send({ id: m.id, result: await h(m) })
    } catch (err) {
      send({ id: m.id, error: err?.stack ?? String(err) })
    }
  })
  process.on('disconnect', () => process.exit(0))
  send({ id: 0, result: info })
}

/** A full, synchronous garbage collection when the process runs with --expose-gc; false otherwise. */
export function collectGarbage() {
  const gc = globalThis.gc
  if (!gc) return false
  gc()
  return true
}
