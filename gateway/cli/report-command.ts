/** `chamdiem report --from --to --by officer|counter|office [--format table|json|csv]`. */
import { Command, Option } from 'commander'
import { buildReport, reportToCsv, type GroupBy } from '../report.ts'
import { withStore, parseTime, printTable, runProgram, withConfigOption } from './common.ts'

export async function run(argv: string[]): Promise<void> {
  const program = withConfigOption(new Command('chamdiem report'))
    .description(
      'Satisfaction report for a period: counts per rating (repeats and bursts left out, shown apart), total, satisfaction rate, 0-100 index, Wilson 95% interval, ranked by its lower bound.',
    )
    .requiredOption('--from <time>', 'start, ISO (a date alone = local midnight)')
    .requiredOption('--to <time>', 'end (exclusive), ISO')
    .addOption(
      new Option('--by <group>', 'group by')
        .choices(['officer', 'counter', 'office'])
        .default('officer'),
    )
    .option('--office <officeId>', 'only this office')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .action((opts) => {
      withStore(opts, (s) => {
        const report = buildReport(s.db, {
          fromMs: parseTime(opts.from, '--from', s.config.timezone),
          toMs: parseTime(opts.to, '--to', s.config.timezone),
          by: opts.by as GroupBy,
          officeId: opts.office,
        })
        if (opts.format === 'json') {
          console.log(JSON.stringify(report, null, 2))
          return
        }
        if (opts.format === 'csv') {
          process.stdout.write(reportToCsv(report))
          return
        }
        const pct = (v: number | null) => (v === null ? null : `${(v * 100).toFixed(1)}%`)
        const rows = report.rows.map((r) => ({
          rank: r.rank ?? (r.tooFew ? 'too few' : ''),
          [opts.by]: r.name === r.key ? r.key : `${r.name} (${r.key})`,
          '😊': r.positive,
          '😐': r.neutral,
          '☹': r.negative,
          total: r.total,
          repeats: r.repeats,
          bursts: r.bursts,
          satisfaction: pct(r.satisfaction),
          index: r.index?.toFixed(1) ?? null,
          'wilson 95%': r.wilsonLow === null ? null : `${pct(r.wilsonLow)}–${pct(r.wilsonHigh)}`,
        }))
        const t = report.totals
        rows.push({
          rank: '',
          [opts.by]: 'TOTAL',
          '😊': t.positive,
          '😐': t.neutral,
          '☹': t.negative,
          total: t.total,
          repeats: t.repeats,
          bursts: t.bursts,
          satisfaction: pct(t.satisfaction),
          index: t.index?.toFixed(1) ?? null,
          'wilson 95%': null,
        })
        printTable(rows, [
          'rank',
          opts.by,
          '😊',
          '😐',
          '☹',
          'total',
          'repeats',
          'bursts',
          'satisfaction',
          'index',
          'wilson 95%',
        ])
      })
    })
  await runProgram(program, argv)
}
