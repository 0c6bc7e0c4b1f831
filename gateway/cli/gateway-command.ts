/** `chamdiem gateway`: runs the gateway until SIGINT/SIGTERM. */
import { Command } from 'commander'
import { appendFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { loadConfig } from '../config.ts'
import { ConfigSchema } from '../config-schema.ts'
import { Gateway } from '../gateway.ts'
import { createLogger } from '../log.ts'
import { addStandardParts } from '../parts.ts'
import { runProgram } from './common.ts'

export async function run(argv: string[]): Promise<void> {
  const program = new Command('chamdiem gateway')
    .description(
      'Run the gateway: MQTT broker, ingest, SQLite store, box configs, optional USB boxes, InfluxDB forwarder and dashboard.',
    )
    .option(
      '-c, --config <file>',
      'config file (YAML); env CHAMDIEM_CONFIG',
      process.env.CHAMDIEM_CONFIG,
    )
    .option('--check', 'validate the config and exit')
    .option('--print-config-schema', 'print the config file JSON Schema and exit')
    .action(async (opts: { config?: string; check?: boolean; printConfigSchema?: boolean }) => {
      if (opts.printConfigSchema) {
        console.log(JSON.stringify(Value.Clone(ConfigSchema), null, 2))
        return
      }
      const config = loadConfig(opts.config)
      if (opts.check) {
        console.log(`config ${opts.config ?? '(defaults)'} is valid`)
        return
      }
      const log = createLogger(config.logLevel)
      const gateway = new Gateway({
        config,
        log,
        // The fatal line is already logged; exit non-zero so systemd restarts the gateway,
        // and SQLite recovers from what is on disk. No stop(): nothing more may be written.
        onFatal: () => process.exit(1),
      })
      addStandardParts(gateway)
      // Listen for the signal before starting: a SIGTERM that arrives while the parts start
      // still stops them in order once they are up (instead of killing the process midway).
      let signalled: (signal: string) => void = () => undefined
      const signal = new Promise<string>((resolve) => (signalled = resolve))
      process.once('SIGINT', () => signalled('SIGINT'))
      process.once('SIGTERM', () => signalled('SIGTERM'))
      // SIGHUP reloads the TLS certificate files (renewed certificates) without a restart.
      process.on('SIGHUP', () => {
        if (!config.mqtt.tls) return log.info('SIGHUP: no mqtt.tls configured, nothing to reload')
        try {
          gateway.broker?.reloadTls()
          log.info('SIGHUP: TLS certificate files reloaded; new connections use them')
        } catch (err) {
          log.error({ err }, 'SIGHUP: reloading the TLS certificate files failed; the current ones stay in use')
        }
      })
      await gateway.start()
      printNotices(gateway)
      log.info({ signal: await signal }, 'stopping')
      await gateway.stop().catch((err) => log.error({ err }, 'stop failed'))
    })
  await runProgram(program, argv)
}

/**
 * Box secrets generated at start and the first admin's password are written once to
 * `<dataDir>/secrets.txt`, readable only by the gateway's user, and shown on the terminal when
 * there is one. Never to the log: under systemd stdout is the journal, which every member of
 * group adm (and every backup of /var/log) can read.
 */
export function printNotices(gateway: Gateway): void {
  const lines = gateway.notices.newBoxSecrets.map(({ boxId, secret }) => `new box ${boxId}: secret ${secret}   (configure the box with it)`)
  const admin = gateway.notices.firstAdmin
  if (admin) lines.push(`first dashboard user: ${admin.username} / ${admin.password}   (to be changed at the first login)`)
  if (lines.length === 0) return
  const file = join(gateway.config.dataDir, 'secrets.txt')
  appendFileSync(file, `# ${new Date(gateway.now()).toISOString()}\n${lines.join('\n')}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  if (process.stdout.isTTY) for (const line of lines) console.log(line)
  console.log(`${lines.length === 1 ? 'a secret was' : `${lines.length} secrets were`} written to ${file} (readable only by this user); delete the file once they are stored safely`)
}
