/**
 * What the gateway's CLI commands share: finding the config, opening the store, and turning
 * errors into one clear line and exit code 1 (never a stack trace for a user mistake).
 */
import { Command } from 'commander'
import { ConfigError, loadConfig, type GatewayConfig } from '../config.ts'
import { EventBus, type GatewayEvents } from '../events.ts'
import { Registry, RegistryError } from '../registry.ts'
import { RegistryImportError } from '../registry-import.ts'
import { openDatabase, type Db } from '../store/database.ts'
import { DataDirError } from '../store/data-dir.ts'
import { join } from 'node:path'
import { localMidnight } from '../local-time.ts'
import { cliActor } from '../audit.ts'

export interface StoreHandle {
  config: GatewayConfig
  db: Db
  registry: Registry
  close(): void
}

/** Adds the options every command that touches the store takes. */
export function withConfigOption(cmd: Command): Command {
  return cmd
    .option(
      '-c, --config <file>',
      'gateway config file (YAML); env CHAMDIEM_CONFIG',
      process.env.CHAMDIEM_CONFIG,
    )
    .option('-d, --data-dir <dir>', 'data directory (overrides the config file)')
}

/** Opens the store for one command and closes it whatever happens. */
export function withStore<T>(
  opts: { config?: string; dataDir?: string },
  fn: (store: StoreHandle) => T,
): T {
  const store = openStore(opts)
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

export function openStore(opts: { config?: string; dataDir?: string }): StoreHandle {
  const env = opts.dataDir ? { ...process.env, CHAMDIEM_DATA_DIR: opts.dataDir } : process.env
  const config = loadConfig(opts.config, env)
  const db = openDatabase(join(config.dataDir, 'chamdiem.db'))
  // Changes made by a command are audited as made by the person running it, on this host.
  const registry = new Registry({ db, bus: new EventBus<GatewayEvents>(), timezone: config.timezone, by: cliActor() })
  return { config, db, registry, close: () => db.close() }
}

/** Runs a commander program; user errors become one line on stderr and exit code 1. */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  program.exitOverride()
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) })
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    const code = (err as { code?: string }).code
    if (
      code === 'commander.helpDisplayed' ||
      code === 'commander.version' ||
      code === 'commander.help'
    )
      return
    if (code?.startsWith('commander.')) {
      process.exitCode = 2
      return
    }
    const name = program.name()
    if (
      err instanceof ConfigError ||
      err instanceof RegistryError ||
      err instanceof RegistryImportError ||
      err instanceof UserError ||
      err instanceof DataDirError
    ) {
      console.error(`${name}: ${err.message}`)
      process.exitCode = 1
      return
    }
    // Anything else is unexpected: one line for the user, the stack only when asked for.
    console.error(`${name}: ${(err as Error).message ?? err}`)
    if (process.env.CHAMDIEM_DEBUG) console.error(err)
    process.exitCode = 1
  }
}

export class UserError extends Error {}

/** Parses an ISO 8601 date/time; a date alone is local midnight in the office time zone. */
export function parseTime(
  text: string | undefined,
  what: string,
  timezone: string,
  fallback?: number,
): number {
  if (text === undefined) {
    if (fallback === undefined) throw new UserError(`${what} is required`)
    return fallback
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return localMidnight(text, timezone)
  const ms = Date.parse(text)
  if (Number.isNaN(ms))
    throw new UserError(
      `${what}: cannot read ${JSON.stringify(text)} as an ISO date/time (e.g. 2026-11-22 or 2026-11-22T08:00:00+07:00)`,
    )
  return ms
}

export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cells = rows.map((r) =>
    columns.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c]))),
  )
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)))
  console.log(columns.map((c, i) => c.padEnd(widths[i])).join('  '))
  for (const row of cells) console.log(row.map((v, i) => v.padEnd(widths[i])).join('  '))
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
