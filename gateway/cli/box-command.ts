/** `chamdiem box ...`: provision, move, list and retire boxes; `box run` drives a USB box over MQTT. */
import { Command } from 'commander'
import { createLogger } from '../log.ts'
import { iso, withStore, printTable, runProgram, withConfigOption, parseTime } from './common.ts'

export async function run(argv: string[]): Promise<void> {
  // `box run` is the device layer on a counter host: it must not load the gateway's store.
  if (argv[0] === 'run') {
    const mod = await import('../../firmware/box-command.ts')
    return mod.run(argv.slice(1), createLogger().child({ area: 'box' }))
  }
  const program = new Command('chamdiem box').description(
    'Manage button boxes (on the gateway host), or run one: chamdiem box run --help',
  )
  withConfigOption(program.command('provision <boxId>'))
    .description('create a box (or give it a new secret); the secret is printed once')
    .option('--counter <counterId>', 'counter the box stands at')
    .option('--secret <secret>', 'use this secret (at least 16 characters) instead of a random one')
    .action((boxId: string, opts) => {
      withStore(opts, (s) => {
        const secret = s.registry.provisionBox(boxId, {
          secret: opts.secret,
          counterId: opts.counter,
        })
        console.log(`box ${boxId} provisioned${opts.counter ? ` at counter ${opts.counter}` : ''}`)
        console.log(`secret: ${secret}`)
        console.log('(shown once: only its hash is stored)')
      })
    })
  withConfigOption(program.command('move <boxId> <counterId>'))
    .description('move a box to another counter (presses before stay with the old one)')
    .option('--at <time>', 'ISO time of the move (default now)')
    .action((boxId: string, counterId: string, opts) => {
      withStore(opts, (s) => {
        s.registry.assignBox(
          boxId,
          counterId,
          parseTime(opts.at, '--at', s.config.timezone, Date.now()),
        )
        console.log(`box ${boxId} now at counter ${counterId}`)
      })
    })
  withConfigOption(program.command('retire <boxId>'))
    .description('retire a box: it can no longer connect; its presses stay')
    .action((boxId: string, opts) => {
      withStore(opts, (s) => {
        s.registry.retireBox(boxId)
        console.log(`box ${boxId} retired`)
      })
    })
  withConfigOption(program.command('list'))
    .description('list boxes with their counter and last contact')
    .option('--json', 'print JSON')
    .action((opts) => {
      withStore(opts, (s) => {
        const rows = s.registry.boxes().map((b) => ({
          box: b.id,
          counter: b.counterId,
          state: b.retiredAt ? 'retired' : (b.lastState ?? 'never seen'),
          lastSeen: iso(b.lastSeenAt),
          lastPress: iso(b.lastPressAt),
        }))
        if (opts.json) console.log(JSON.stringify(rows, null, 2))
        else printTable(rows, ['box', 'counter', 'state', 'lastSeen', 'lastPress'])
      })
    })
  await runProgram(program, argv)
}
