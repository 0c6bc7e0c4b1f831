/**
 * `chamdiem report (--period CODE | --from DATE --to DATE) [--by ...] [--format table|json|csv|xlsx]`.
 * Dates are local calendar dates in the office time zone and both ends are inclusive, as the
 * dashboard's "Từ ngày" / "Đến ngày": `--from 2026-11-28 --to 2026-11-28` is that one day.
 */
import { writeFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import type { GroupBy } from '../report.ts'
import { buildPeriodReport, type Change } from '../reports/period-report.ts'
import { parsePeriod, rangePeriod, type Period } from '../reports/periods.ts'
import { reportCsv } from '../reports/csv.ts'
import { withStore, printTable as printRows, runProgram, withConfigOption, UserError } from './common.ts'
import { ratingScale } from '../config.ts'

const HELP = `
Periods (local dates in the office time zone, both ends inclusive):
  --period 2026-11    a month          --period 2026-Q4   a quarter
  --period 2026-H1    first 6 months   --period 2026-H2   last 6 months
  --period 2026-9M    January-September --period 2026     a year
  --from 2026-10-01 --to 2026-11-28   any range; --from D --to D is the one day D
Each report compares with the previous period of the same length and the same period a year before.`

export async function run(argv: string[]): Promise<void> {
  const program = withConfigOption(new Command('chamdiem report'))
    .description(
      'Satisfaction report for a period: counts per rating (repeats and bursts left out, shown apart), total, satisfaction rate, 0-100 index, Wilson 95% interval, ranked by its lower bound.',
    )
    .option('--period <code>', 'a month (2026-11), quarter (2026-Q4), 6 months (2026-H1), 9 months (2026-9M) or year (2026)')
    .option('--from <date>', 'first local date YYYY-MM-DD (inclusive)')
    .option('--to <date>', 'last local date YYYY-MM-DD (inclusive)')
    .addOption(new Option('--by <group>', 'group by').choices(['officer', 'counter', 'office']).default('officer'))
    .option('--office <officeId>', 'only this office')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv', 'xlsx']).default('table'))
    .option('--semicolon', 'csv: separate fields with ";" (Excel in a Vietnamese or European locale)')
    .option('-o, --out <file>', 'write to this file instead of standard output (xlsx needs it on a terminal)')
    .addHelpText('after', HELP)
    .action(async (opts) => {
      const period = readPeriod(opts)
      const out = await withStore(opts, async (s): Promise<string | Buffer | null> => {
        const report = buildPeriodReport(s.db, { period, timezone: s.config.timezone, by: opts.by as GroupBy, officeId: opts.office, scale: ratingScale(s.config) })
        if (opts.format === 'json') return JSON.stringify(report, null, 2) + '\n'
        if (opts.format === 'csv') return '\uFEFF' + reportCsv(report, { separator: opts.semicolon ? ';' : ',' })
        if (opts.format === 'xlsx') {
          // Everything from the store is read before the first await: withStore closes it then.
          const unit = s.config.report.unit || (opts.office ? (s.registry.office(opts.office)?.name ?? opts.office) : '')
          const { reportWorkbook } = await import('../reports/xlsx.ts')
          return reportWorkbook(report, { unit })
        }
        printTable(report, opts.by)
        return null
      })
      if (out === null) return
      if (opts.out) writeFileSync(opts.out, out)
      else if (typeof out !== 'string' && process.stdout.isTTY) throw new UserError('an xlsx workbook is binary: give --out FILE or redirect the output')
      else process.stdout.write(out)
    })
  await runProgram(program, argv)
}

function readPeriod(opts: { period?: string; from?: string; to?: string }): Period {
  if (opts.period) {
    if (opts.from || opts.to) throw new UserError('give either --period or --from/--to, not both')
    return parsePeriod(opts.period)
  }
  if (!opts.from || !opts.to) throw new UserError('give --period CODE, or --from DATE and --to DATE (see --help)')
  for (const [name, v] of [['--from', opts.from], ['--to', opts.to]] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new UserError(`${name}: cannot read ${JSON.stringify(v)} as a date YYYY-MM-DD (local, inclusive)`)
  }
  return rangePeriod(opts.from, opts.to)
}

function printTable(report: ReturnType<typeof buildPeriodReport>, by: string): void {
  const pct = (v: number | null) => (v === null ? null : `${(v * 100).toFixed(1)}%`)
  const pts = (c: Change) => (c.satisfaction === null ? null : `${c.satisfaction >= 0 ? '+' : ''}${(c.satisfaction * 100).toFixed(1)}`)
  const levels = report.scale.map((l) => l.labelEn)
  const cols = ['rank', by, ...levels, 'total', 'repeats', 'bursts', 'satisfaction', 'index', 'wilson 95%', 'vs prev', 'vs year ago']
  const line = (r: (typeof report.rows)[number] | null) => {
    const f = r ?? report.totals
    return {
      rank: r ? (r.rank ?? (r.tooFew ? 'too few' : '')) : '',
      [by]: r ? (r.name === r.key ? r.key : `${r.name} (${r.key})`) : 'TOTAL',
      ...Object.fromEntries(report.scale.map((l) => [l.labelEn, f[l.id] ?? 0])),
      total: f.total,
      repeats: f.repeats,
      bursts: f.bursts,
      satisfaction: pct(f.satisfaction),
      index: f.index?.toFixed(1) ?? null,
      'wilson 95%': r && r.wilsonLow !== null ? `${pct(r.wilsonLow)}–${pct(r.wilsonHigh)}` : null,
      'vs prev': pts(r ? r.vsPrevious : report.totalsVsPrevious),
      'vs year ago': pts(r ? r.vsYearAgo : report.totalsVsYearAgo),
    }
  }
  console.log(report.definition.en.satisfaction)
  console.log(`${report.period.label} (${report.period.from} .. ${report.period.to}, ${report.timezone}); satisfaction change in points vs ${report.previous.period.label} and vs ${report.yearAgo.period.label}`)
  printRows([...report.rows.map(line), line(null)], cols)
}
