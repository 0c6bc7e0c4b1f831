/** What the figures were measured on, recorded with every result. */
import { cpus, loadavg, totalmem, release, platform } from 'node:os'

export interface Machine {
  cpuModel: string
  cores: number
  memoryGiB: number
  node: string
  os: string
  loadavgAtStart: number[]
}

export function machine(): Machine {
  const c = cpus()
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    loadavgAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
  }
}

/** 1-minute load average, rounded, recorded before each run: the machine is shared. */
export function load1(): number {
  return Math.round(loadavg()[0] * 100) / 100
}
