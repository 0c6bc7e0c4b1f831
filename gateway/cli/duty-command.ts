/** `chamdiem duty ...`: sign officers in and out of counters; list who is on duty. */
import { Command } from 'commander'
import { Attributor } from '../attribution.ts'
import { withStore, parseTime, printTable, runProgram, withConfigOption, iso } from './common.ts'

export async function run(argv: string[]): Promise<void> {
  const program = new Command('chamdiem duty').description(
    'Duty sign-in and sign-out (an explicit sign-in wins over the shift schedule)',
  )
  withConfigOption(program.command('in <officerId> <counterId>'))
    .description('sign an officer in at a counter')
    .option('--at <time>', 'ISO time (default now)')
    .action((officerId: string, counterId: string, opts) => {
      withStore(opts, (s) => {
        const session = s.registry.signIn(
          officerId,
          counterId,
          parseTime(opts.at, '--at', s.config.timezone, Date.now()),
          'cli',
        )
        console.log(`${officerId} on duty at ${counterId} from ${iso(session.startMs)}`)
      })
    })
  withConfigOption(program.command('out <officerId>'))
    .description('sign an officer out')
    .option('--at <time>', 'ISO time (default now)')
    .action((officerId: string, opts) => {
      withStore(opts, (s) => {
        const at = parseTime(opts.at, '--at', s.config.timezone, Date.now())
        const r = s.registry.signOut(officerId, at, 'cli')
        console.log(`${officerId} signed out of ${r.counterId} at ${iso(at)}`)
      })
    })
  withConfigOption(program.command('list'))
    .description('who is on duty at each counter now (sign-ins and the shift schedule)')
    .option('--json', 'print JSON')
    .action((opts) => {
      withStore(opts, (s) => {
        const attributor = new Attributor(s.db, s.config.timezone)
        const now = Date.now()
        const rows = s.registry
          .counters()
          .map((c) => ({ counter: c.id, name: c.name, officer: attributor.officerAt(c.id, now) }))
        if (opts.json) console.log(JSON.stringify(rows, null, 2))
        else printTable(rows, ['counter', 'name', 'officer'])
      })
    })
  await runProgram(program, argv)
}
