/**
 * A simulator process for the capacity benchmark: one Fleet (simulator/fleet.ts) of `boxes`
 * virtual boxes against a gateway, pressing at the realistic rate (each box once a minute)
 * for `seconds`; reports whether it kept up (every press acknowledged, event-loop delay)
 * and what it cost (CPU share of one core, RSS).
 *
 * Request `run { url, boxes: [{id, secret}], seconds }`.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { createFleet } from '../../simulator/fleet.ts'
import { serveParent } from '../lib/child.ts'

interface RunRequest {
  url: string
  boxes: Array<{ id: string; secret: string }>
  seconds: number
  timeoutMs: number
}

async function run(req: RunRequest) {
  const t0 = performance.now()
  const fleet = await createFleet({ url: req.url, boxes: req.boxes, timeoutMs: req.timeoutMs, keepaliveS: 60 })
  const connectMs = performance.now() - t0
  try {
    const ids = req.boxes.map((b) => b.id)
    const rate = ids.length / 60
    const total = Math.floor(rate * req.seconds)
    const eld = monitorEventLoopDelay({ resolution: 10 })
    eld.enable()
    const cpu0 = process.cpuUsage()
    const start = performance.now()
    let pressed = 0
    let cursor = 0
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate))
        for (; pressed < due; pressed++) {
          fleet.press(ids[cursor], 'positive', { repeat: false })
          cursor = (cursor + 1) % ids.length
        }
        if (pressed >= total) {
          clearInterval(timer)
          resolve()
        }
      }, 10)
    })
    let keptUp = true
    try {
      await fleet.waitAllAcked({ timeoutMs: 30_000 })
    } catch {
      keptUp = false
    }
    const elapsedS = (performance.now() - start) / 1000
    const cpu = process.cpuUsage(cpu0)
    eld.disable()
    const t = fleet.summary().totals
    return {
      boxes: ids.length,
      connectMs,
      pressed,
      acked: t.acked,
      keptUp,
      elapsedS,
      cpuShare: (cpu.user + cpu.system) / 1e6 / elapsedS,
      eventLoopDelayP99Ms: eld.percentile(99) / 1e6,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
    }
  } finally {
    await fleet.close()
  }
}

serveParent({ pid: process.pid }, { run: (m) => run(m as unknown as RunRequest) }, () => {})
