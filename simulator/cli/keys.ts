/**
 * Faults from the keyboard while `simulate` or `demo` runs on a terminal. Each key acts at once
 * and says what it did; `q` (or Ctrl-C) ends the run.
 */
import type { Fleet } from '../fleet.ts'

export const KEYS_HELP =
  'keys: d drop 10% of links · r restore links · k kill 10% of connections · u duplicates on/off · ' +
  'l late presses on/off · g 10 garbage messages · f flood 10% of boxes · q quit'

/** Listens for keys on a TTY stdin; returns a function that stops listening. */
export function listenForKeys(
  fleet: Fleet,
  say: (text: string) => void,
  quit: () => void,
): () => void {
  const stdin = process.stdin
  if (!stdin.isTTY) return () => {}
  stdin.setRawMode(true)
  stdin.resume()
  const onData = (data: Buffer) => {
    const key = data.toString('utf8')
    const f = fleet.faults
    switch (key) {
      case 'd':
        say(`fault: cut the links of ${f.dropLinks(0.1).length} boxes (they queue presses until r)`)
        break
      case 'r':
        say(`fault: restored ${f.restoreLinks().length} links`)
        break
      case 'k':
        say(`fault: killed ${f.killConnections(0.1).length} broker connections (boxes reconnect)`)
        break
      case 'u':
        f.set({ duplicateRate: f.plan.duplicateRate > 0 ? 0 : 0.1 })
        say(`fault: duplicate sends ${f.plan.duplicateRate > 0 ? 'on (10% of presses)' : 'off'}`)
        break
      case 'l':
        f.set({ lateRate: f.plan.lateRate > 0 ? 0 : 0.1 })
        say(
          `fault: late delivery ${f.plan.lateRate > 0 ? `on (10% of presses, ageMs ${f.plan.lateMs})` : 'off'}`,
        )
        break
      case 'g':
        f.sendGarbage(10)
        say('fault: sent 10 garbage messages (expect 10 more rejected)')
        break
      case 'f':
        say(`fault: flood of ${f.flood(0.1)} presses (repeats)`)
        break
      case 'q':
      case '\u0003': // Ctrl-C arrives as a byte in raw mode
        quit()
        break
    }
  }
  stdin.on('data', onData)
  return () => {
    stdin.off('data', onData)
    if (stdin.isTTY) stdin.setRawMode(false)
    stdin.pause()
  }
}
