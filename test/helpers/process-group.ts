/**
 * A child started with `detached: true` leads its own process group: a signal to the group
 * reaches the child and whatever it started (a faketime wrapper, the demo's gateway), as
 * Ctrl-C in a terminal does.
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

/** The signal to the child's whole process group: the gateway and any wrapper around it. */
export function signalGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-c.pid!, signal)
  } catch {
    c.kill(signal) // the group is gone already
  }
}

/** Resolves once no live process is left in the group (zombies aside: nobody may reap them here). */
export async function groupGone(pgid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const alive = readdirSync('/proc').some((pid) => {
      if (!/^\d+$/.test(pid)) return false
      try {
        // Fields after the command name: state, ppid, pgrp.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        return Number(pgrp) === pgid && state !== 'Z'
      } catch {
        return false // gone while we looked
      }
    })
    if (!alive) return
    if (Date.now() > deadline) throw new Error(`processes of group ${pgid} still running ${timeoutMs} ms after the signal`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
