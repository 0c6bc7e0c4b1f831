/**
 * `chamdiem central <subcommand>`: the province's side of the central store.
 *   migrate --url <owner url>          create or upgrade the central schema
 *   add-centre --url --id --name --role  register a centre and the login role its gateway uses
 *   hash-password                      a password hash for the users file of `serve` (stdin)
 *   serve --url <reader url> --users <file> [--rating-scale 3|4|5|<file>]  the province's dashboard and API (province-server.ts)
 */
import { Command } from 'commander'
import pg from 'pg'
import { runProgram, UserError } from '../cli/common.ts'
import { connectCentral, safeCentralUrl } from './connect.ts'
import { classifyCentralError, isPermanent } from './errors.ts'
import { migrateCentral } from './migrate.ts'

const URL_HELP = 'postgres://user:password@host:5432/database (several host:port comma-separated; env CHAMDIEM_PROVINCE_URL)'

async function withClient<T>(url: string | undefined, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!url) throw new UserError('--url is required (or env CHAMDIEM_PROVINCE_URL)')
  let client: pg.Client
  try {
    client = await connectCentral({ url, connectTimeoutMs: 10_000, applicationName: 'chamdiem central' }, pg.Client, isPermanent)
  } catch (err) {
    throw new UserError(`${safeCentralUrl(url)}: ${classifyCentralError(err).message}`)
  }
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

export async function run(argv: string[]): Promise<void> {
  const program = new Command('chamdiem central').description("The province's central PostgreSQL store")
  program
    .command('migrate')
    .description('Create or upgrade the central schema (run as the database owner; safe to run again)')
    .option('--url <url>', URL_HELP, process.env.CHAMDIEM_PROVINCE_URL)
    .action(async (opts: { url?: string }) => {
      await withClient(opts.url, async (client) => {
        const r = await migrateCentral(client)
        if (r.applied.length === 0) console.log(`central schema is up to date (version ${r.to})`)
        for (const m of r.applied) console.log(`applied ${m.version}: ${m.name}`)
      })
    })
  program
    .command('add-centre')
    .description("Register a centre and create the login role its gateway forwards with (row-level security limits it to this centre's rows)")
    .option('--url <url>', URL_HELP, process.env.CHAMDIEM_PROVINCE_URL)
    .requiredOption('--id <id>', 'centre id, unique in the province (letters, digits, _ . -)')
    .requiredOption('--name <name>', 'centre name')
    .requiredOption('--role <role>', 'login role of its gateway, e.g. centre_phuong_1')
    .option('--password <password>', 'password of the new role (env CHAMDIEM_CENTRE_PASSWORD)', process.env.CHAMDIEM_CENTRE_PASSWORD)
    .action(async (opts: { url?: string; id: string; name: string; role: string; password?: string }) => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(opts.role)) throw new UserError('--role: lower-case letters, digits and _ only')
      await withClient(opts.url, async (client) => {
        await client.query('BEGIN')
        const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [opts.role])
        if (exists.rowCount === 0) {
          if (!opts.password) throw new UserError('--password is required to create a new role')
          const pw = (await client.query<{ q: string }>('SELECT quote_literal($1) AS q', [opts.password])).rows[0].q
          await client.query(`CREATE ROLE ${opts.role} LOGIN PASSWORD ${pw} IN ROLE chamdiem_gateway`)
        } else {
          await client.query(`GRANT chamdiem_gateway TO ${opts.role}`)
        }
        await client.query(
          'INSERT INTO chamdiem.centres (id, name, role) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role',
          [opts.id, opts.name, opts.role],
        )
        await client.query('COMMIT')
        console.log(`centre ${opts.id} forwards as role ${opts.role}`)
      })
    })
  program
    .command('hash-password')
    .description('Read a password on stdin, print its scrypt hash for the users file of `serve`')
    .action(async () => {
      const { hashPassword } = await import('../http/accounts.ts')
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
      if (password.length < 8) throw new UserError('password: at least 8 characters')
      console.log(await hashPassword(password))
    })
  program
    .command('serve')
    .description("The province's dashboard and API over the central store (log in to PostgreSQL with a chamdiem_reader role)")
    .option('--url <url>', URL_HELP, process.env.CHAMDIEM_PROVINCE_URL)
    .requiredOption('--users <file>', 'YAML: users: [{ username, password: <hash-password>, role: admin|head|viewer|oversight, centre }]')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port', '8090')
    .option('--timezone <tz>', "the province's time zone (periods, today)", 'Asia/Ho_Chi_Minh')
    .option('--public', 'also serve /api/public/ranking without login: centres of a finished month or quarter, small samples left out')
    .option(
      '--rating-scale <scale>',
      "the province's rating scale: 3, 4 or 5 (the presets of a gateway's ratingScale), or a YAML file with a gateway's ratingScale section (default 3)",
    )
    .action(async (opts: { url?: string; users: string; host: string; port: string; timezone: string; public?: boolean; ratingScale?: string }) => {
      if (!opts.url) throw new UserError('--url is required (or env CHAMDIEM_PROVINCE_URL)')
      const [{ readFileSync }, { parse }, { buildProvinceApp }] = await Promise.all([import('node:fs'), import('yaml'), import('./province-server.ts')])
      const file = parse(readFileSync(opts.users, 'utf8')) as { users?: unknown }
      if (!Array.isArray(file?.users)) throw new UserError(`${opts.users}: expected a "users" list`)
      const { loadProvinceScale } = await import('./province-scale.ts')
      let scale
      try {
        scale = await loadProvinceScale(opts.ratingScale)
      } catch (err) {
        throw new UserError(`--rating-scale: ${(err as Error).message}`)
      }
      const { parseCentralUrl } = await import('./connect.ts')
      const t = parseCentralUrl(opts.url)
      // The server reads from the first host; a reader can use any replica.
      const pool = new pg.Pool({ host: t.hosts[0].host, port: t.hosts[0].port, user: t.user, password: t.password, database: t.database, max: 5 })
      let app
      try {
        app = await buildProvinceApp({ pool, users: file.users, timeZone: opts.timezone, publicPage: opts.public === true, scale })
      } catch (err) {
        await pool.end()
        throw new UserError(`${opts.users}: ${(err as Error).message}`)
      }
      const url = await app.listen({ host: opts.host, port: Number(opts.port) })
      console.log(`province server listening on ${url}`)
      const close = () => void app.close().then(() => pool.end())
      process.once('SIGTERM', close)
      process.once('SIGINT', close)
    })
  await runProgram(program, argv)
}
