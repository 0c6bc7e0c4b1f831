/** Linux /proc readings of a process: CPU time and resident memory. */
import { readFile } from 'node:fs/promises'

// USER_HZ is 100 on every Linux that Debian ships; /proc reports CPU time in those ticks.
const TICKS_PER_SECOND = 100

/** User + system CPU seconds used so far by `pid` (its threads included). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // The command name is in parentheses and may contain spaces: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14 and 15 of stat(5) are utime and stime; index 0 here is field 3.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)
  return kb ? Number(kb[1]) * 1024 : Number.NaN
}
