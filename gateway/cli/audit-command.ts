/**
 * `chamdiem audit ...`: check the audit trail's hash chain (`verify`: exit code 1 and the first
 * bad entry named when any entry was changed or deleted) and list its entries for a period.
 */
import { Command } from 'commander'
import { auditEntries, auditHashAt, verifyAudit } from '../audit.ts'
import { UserError, iso, parseTime, printTable, runProgram, withConfigOption, withStore } from './common.ts'
import { localMidnight } from '../local-time.ts'

export async function run(argv: string[]): Promise<void> {
  const program = new Command('chamdiem audit').description('The audit trail of changes that decide who gets credit')
  withConfigOption(program.command('verify'))
    .description('walk the hash chain; exit 1 naming the first entry that was changed or deleted')
    .option('--against <entry:hash>', 'also check that entry N still has the hash a printed report gave ("Nhật ký thay đổi đến mục N, mã …"): a chain rewritten as a whole since then differs there')
    .action((opts: { against?: string; config?: string; dataDir?: string }) => {
      const anchor = opts.against === undefined ? null : parseAnchor(opts.against)
      withStore(opts, (s) => {
        const r = verifyAudit(s.db)
        if (r.ok && anchor) {
          const stored = auditHashAt(s.db, anchor.entry)
          if (stored !== anchor.hash) {
            const why = stored === null ? `there is no entry ${anchor.entry}` : `entry ${anchor.entry} now has hash ${stored}`
            console.error(`chamdiem audit: the history behind the report was REWRITTEN: the report gave entry ${anchor.entry} hash ${anchor.hash}, but ${why}`)
            process.exitCode = 1
            return
          }
          console.log(`audit trail intact: ${r.count} entries, head ${r.head}; entry ${anchor.entry} has the hash the report gave`)
          return
        }
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

/** `--against 12:ab34…` (entry number, colon, the 64 hex digits of its hash). */
function parseAnchor(text: string): { entry: number; hash: string } {
  const m = /^(\d+):([0-9a-f]{64})$/i.exec(text.trim())
  if (!m) throw new UserError(`--against: expected ENTRY:HASH, the entry number and the 64 hex digits a report printed (got "${text}")`)
  return { entry: Number(m[1]), hash: m[2].toLowerCase() }
}

/** `--to 2026-08-31` takes in the whole of 31 August, as the dashboard's "to" date does. */
function endOf(text: string, timeZone: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseTime(text, '--to', timeZone)
  const [y, m, d] = text.split('-').map(Number)
  return localMidnight(new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10), timeZone)
}
