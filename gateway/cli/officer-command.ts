/** `chamdiem officer ...`: add and list officers (and offices and counters they belong to). */
import { Command } from 'commander'
import { withStore, printTable, runProgram, withConfigOption } from './common.ts'

export async function run(argv: string[]): Promise<void> {
  const program = new Command('chamdiem officer').description(
    'Manage officers, offices and counters',
  )
  withConfigOption(program.command('add <officerId> <name>'))
    .description('add an officer (or rename one)')
    .requiredOption('--office <officeId>', 'office the officer works at')
    .action((id: string, name: string, opts) => {
      withStore(opts, (s) => {
        s.registry.upsertOfficer(id, opts.office, name)
        console.log(`officer ${id} (${name}) at office ${opts.office}`)
      })
    })
  withConfigOption(program.command('add-office <officeId> <name>'))
    .description('add an office (or rename one)')
    .action((id: string, name: string, opts) => {
      withStore(opts, (s) => {
        s.registry.upsertOffice(id, name)
        console.log(`office ${id} (${name})`)
      })
    })
  withConfigOption(program.command('add-counter <counterId> <name>'))
    .description('add a counter (or rename one)')
    .requiredOption('--office <officeId>', 'office of the counter')
    .action((id: string, name: string, opts) => {
      withStore(opts, (s) => {
        s.registry.upsertCounter(id, opts.office, name)
        console.log(`counter ${id} (${name}) at office ${opts.office}`)
      })
    })
  withConfigOption(program.command('list'))
    .description('list officers')
    .option('--office <officeId>', 'only this office')
    .option('--json', 'print JSON')
    .action((opts) => {
      withStore(opts, (s) => {
        const rows = s.registry.officers(opts.office)
        if (opts.json) console.log(JSON.stringify(rows, null, 2))
        else
          printTable(rows as unknown as Array<Record<string, unknown>>, [
            'id',
            'name',
            'officeId',
            'active',
          ])
      })
    })
  await runProgram(program, argv)
}
