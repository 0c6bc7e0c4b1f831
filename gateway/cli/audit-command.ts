/**
 * `chamdiem audit ...`: check the audit trail's hash chain (`verify`: exit code 1 and the first
 * bad entry named when any entry was changed or deleted) and list its entries for a period.
 */
import { Command } from 'commander'
import { auditEntries, verifyAudit } from '../audit.ts'
import { iso, parseTime, printTable, runProgram, withConfigOption, withStore } from './common.ts'
import { localMidnight } from '../local-time.ts'

export async function run(argv: string[]): Promise<void> {
  const program = new Command('chamdiem audit').description('The audit trail of changes that decide who gets credit')
  withConfigOption(program.command('verify'))
    .description('walk the hash chain; exit 1 naming the first entry that was changed or deleted')
    .action((opts) => {
      withStore(opts, (s) => {
        const r = verifyAudit(s.db)
        if (r.ok) {
          console.log(`audit trail intact: ${r.count} entries, head ${r.head}`)
          return
        }
        const when = r.entry.at === null ? 'time unknown' : iso(r.entry.at)
        const what = r.entry.action ? `, ${r.entry.action}` : ''
        console.error(`chamdiem audit: audit trail BROKEN at entry ${r.entry.id} (${when}${what}): ${r.problem}; ${r.count} entries before it are intact`)
        process.exitCode = 1
      })
    })
  withConfigOption(program.command('list'))
    .description('entries made or taking effect in a period, oldest first')
    .option('--from <time>', 'ISO date or time (a date is local midnight)')
    .option('--to <time>', 'last local date, inclusive (as the dashboard\'s "to"), or an ISO time, exclusive')
    .option('--office <officeId>', 'only entries concerning this office')
    .option('--json', 'print JSON')
    .action((opts) => {
      withStore(opts, (s) => {
        const tz = s.config.timezone
        const entries = auditEntries(s.db, {
          fromMs: opts.from ? parseTime(opts.from, '--from', tz) : undefined,
          toMs: opts.to ? endOf(opts.to, tz) : undefined,
          officeId: opts.office,
        })
        if (opts.json) return console.log(JSON.stringify(entries, null, 2))
        printTable(
          entries.map((e) => ({ ...e, at: iso(e.at), effectiveAt: iso(e.effectiveAt) })),
          ['id', 'at', 'actor', 'source', 'action', 'subject', 'effectiveAt', 'details'],
        )
      })
    })
  await runProgram(program, argv)
}

/** `--to 2026-08-31` takes in the whole of 31 August, as the dashboard's "to" date does. */
function endOf(text: string, timeZone: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseTime(text, '--to', timeZone)
  const [y, m, d] = text.split('-').map(Number)
  return localMidnight(new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10), timeZone)
}
