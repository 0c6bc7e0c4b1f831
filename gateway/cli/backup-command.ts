/**
 * `chamdiem backup [--to DIR] [--keep N]`: an online, consistent copy of the database while
 * the gateway runs (store/backup.ts). `chamdiem restore FILE`: puts one back while it does not.
 */
import { Command } from 'commander'
import { join } from 'node:path'
import { loadConfig } from '../config.ts'
import { backupDatabase } from '../store/backup.ts'
import { backupsDir, DB_FILE } from '../store/data-dir.ts'
import { restoreDatabase } from '../store/restore.ts'
import { runProgram, UserError, withConfigOption } from './common.ts'

function dataDirOf(opts: { config?: string; dataDir?: string }): string {
  return opts.dataDir ?? loadConfig(opts.config).dataDir
}

export async function run(argv: string[]): Promise<void> {
  const program = withConfigOption(new Command('chamdiem backup'))
    .description('Online backup of the database, consistent while the gateway runs: every press acknowledged before it started is in it.')
    .option('--to <dir>', 'folder for the backup (default: <dataDir>/backups)')
    .option('--keep <n>', 'then keep only the newest N manual backups in that folder', (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new UserError(`--keep: expected a whole number >= 1, got ${JSON.stringify(v)}`)
      return n
    })
    .option('--label <label>', 'suffix of the file name (backups with another label are not pruned)')
    .action((opts: { config?: string; dataDir?: string; to?: string; keep?: number; label?: string }) => {
      if (opts.label !== undefined && !/^[a-z0-9-]{1,40}$/.test(opts.label)) throw new UserError('--label: use 1-40 lower-case letters, digits or -')
      const dataDir = dataDirOf(opts)
      const r = backupDatabase({ source: join(dataDir, DB_FILE), dir: opts.to ?? backupsDir(dataDir), keep: opts.keep, label: opts.label })
      console.log(`backup ${r.file}: ${r.presses} presses, ${(r.bytes / 1048576).toFixed(1)} MiB, ${r.ms} ms, integrity ok`)
    })
  await runProgram(program, argv)
}

export async function runRestore(argv: string[]): Promise<void> {
  const program = withConfigOption(new Command('chamdiem restore'))
    .description('Replace the database with a backup. Refuses while the gateway runs; checks the backup first; keeps the replaced database aside.')
    .argument('<file>', 'backup file (from chamdiem backup)')
    .action((file: string, opts: { config?: string; dataDir?: string }) => {
      const dataDir = dataDirOf(opts)
      const r = restoreDatabase({ dataDir, file })
      console.log(`restored ${file}: ${r.presses} presses`)
      if (r.replacedDir) console.log(`the database it replaced is kept in ${r.replacedDir}`)
    })
  await runProgram(program, argv)
}
