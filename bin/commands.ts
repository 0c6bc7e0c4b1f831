/**
 * The `chamdiem` command table. Each command lazy-loads its own folder's CLI, so `chamdiem box`
 * on a counter host never loads the gateway, and product code never imports the simulator
 * (the one exception DESIGN.md allows is this file).
 */
interface Command {
  summary: string
  load: () => Promise<{ run: (argv: string[]) => Promise<void> }>
}

const COMMANDS: Record<string, Command> = {
  gateway: { summary: 'run the gateway (broker, ingest, store, dashboard)', load: () => import('../gateway/cli/gateway-command.ts') },
  box: { summary: 'provision, move, list and retire boxes; or run a USB box: box run --port ... --broker ...', load: () => import('../gateway/cli/box-command.ts') },
  officer: { summary: 'add and list officers', load: () => import('../gateway/cli/officer-command.ts') },
  duty: { summary: 'sign an officer in or out of a counter', load: () => import('../gateway/cli/duty-command.ts') },
  backup: { summary: 'online backup of the database (safe while the gateway runs)', load: () => import('../gateway/cli/backup-command.ts') },
  restore: {
    summary: 'restore a backup (the gateway must be stopped)',
    load: async () => ({ run: (await import('../gateway/cli/backup-command.ts')).runRestore }),
  },
  audit: { summary: 'verify the audit trail (hash chain) and list its entries', load: () => import('../gateway/cli/audit-command.ts') },
  report: { summary: 'satisfaction report for a period, by officer, counter or office', load: () => import('../gateway/cli/report-command.ts') },
  central: { summary: "the province's central PostgreSQL store: migrate, add-centre", load: () => import('../gateway/central/central-command.ts') },
  simulate: { summary: 'run virtual boxes against a gateway', load: () => import('../simulator/cli/simulate-command.ts') },
  demo: { summary: 'gateway + seeded office + simulated boxes + dashboard, all in one', load: () => import('../simulator/cli/demo-command.ts') },
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length))
  return [
    'usage: chamdiem <command> [options]   (chamdiem <command> --help for its options)',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n')
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return
  }
  const command = COMMANDS[name]
  if (!command) {
    console.error(`chamdiem: unknown command "${name}"\n\n${usage()}`)
    process.exitCode = 2
    return
  }
  const mod = await command.load()
  await mod.run(rest)
}
