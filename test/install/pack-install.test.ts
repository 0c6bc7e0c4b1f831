/**
 * The package as an office's IT person installs it: `npm pack` in the checkout (which builds
 * dist/), `npm install -g --allow-scripts=better-sqlite3 <tarball>` into a fresh prefix, then
 * `<prefix>/bin/chamdiem gateway --config FILE` from there. The dashboard's health answers, a
 * box's press is acknowledged (PUBACK) and stored, and the installed program runs without tsx
 * and loads nothing it does not use: no johnny-five/serialport without `usb:`, no InfluxDB
 * client without `influx:`, nothing of the simulator, firmware or avr8js.
 *
 * Slow on purpose (several minutes): the install fetches the dependencies from the npm
 * registry (npm's cache is reused: --prefer-offline) and compiles better-sqlite3 from source,
 * as it does on the office's box. It needs the registry, which CI has.
 */
import Database from 'better-sqlite3'
import mqtt from 'mqtt'
import { execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { freePort, waitForPort } from '../helpers/ports.ts'
import { tempDir } from '../helpers/tmp.ts'

const ROOT = new URL('../..', import.meta.url).pathname
const run = promisify(execFile)
const MINUTE = 60_000

/** Every file under `dir`, relative to it, skipping `skip` folders by name. */
function filesUnder(dir: string, skip: string[] = []): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (skip.includes(e.name)) continue
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...filesUnder(p, skip))
    else out.push(p)
  }
  return out
}

// Records every module the process loads (ES modules through a loader hook, CommonJS through
// Module._load), one path a line, so the test sees what the gateway really pulled in.
const TRACE_HOOK = `
import { appendFileSync } from 'node:fs'
export async function load(url, context, next) {
  appendFileSync(process.env.CHAMDIEM_TRACE, url + '\\n')
  return next(url, context)
}
`
const TRACE_IMPORT = `
import Module, { register } from 'node:module'
import { appendFileSync } from 'node:fs'
register(new URL('./trace-hook.mjs', import.meta.url))
const load = Module._load
Module._load = function (request, parent, isMain) {
  try { appendFileSync(process.env.CHAMDIEM_TRACE, Module._resolveFilename(request, parent, isMain) + '\\n') } catch {}
  return load.apply(this, arguments)
}
`

describe('npm pack, npm install -g, chamdiem gateway', () => {
  it('installs from the tarball into a fresh prefix and runs the compiled gateway without tsx', { timeout: 15 * MINUTE }, async () => {
    const work = tempDir('chamdiem-install-')
    const { stdout: packed } = await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT, timeout: 5 * MINUTE })
    const tarball = join(work, packed.trim().split('\n').pop()!)

    const prefix = join(work, 'prefix')
    await run('npm', ['install', '-g', '--prefix', prefix, '--allow-scripts=better-sqlite3', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: work,
      timeout: 12 * MINUTE,
    })
    const pkg = join(prefix, 'lib', 'node_modules', 'chamdiem')

    // Compiled JavaScript only: no TypeScript of ours, and tsx is not even installed.
    const ours = filesUnder(pkg, ['node_modules']).map((f) => relative(pkg, f))
    expect(ours).toContain('dist/bin/commands.js')
    expect(ours.filter((f) => /\.(ts|mts|cts)$/.test(f))).toEqual([])
    expect(existsSync(join(pkg, 'node_modules', 'tsx'))).toBe(false)

    const dataDir = join(work, 'data')
    const mqttPort = await freePort()
    const httpPort = await freePort()
    const configFile = join(work, 'gateway.yaml')
    writeFileSync(
      configFile,
      stringify({
        dataDir,
        logLevel: 'warn',
        mqtt: { host: '127.0.0.1', port: mqttPort, wsPort: null },
        http: { host: '127.0.0.1', port: httpPort },
        registry: { ...OFFICE, boxes: [{ id: 'box-1', counter: 'q1', secret: SECRET('box-1') }] },
      }),
    )
    writeFileSync(join(work, 'trace-hook.mjs'), TRACE_HOOK)
    writeFileSync(join(work, 'trace.mjs'), TRACE_IMPORT)
    const trace = join(work, 'loaded.txt')

    // The installed command itself (the bin link npm made), started by its shebang.
    const gateway = spawn(join(prefix, 'bin', 'chamdiem'), ['gateway', '--config', configFile], {
      cwd: work,
      env: { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, NODE_OPTIONS: `--import ${join(work, 'trace.mjs')}`, CHAMDIEM_TRACE: trace },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    gateway.stdout.on('data', (d) => (out += d))
    gateway.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => gateway.once('exit', (code) => resolve(code)))
    registerCleanup(() => void gateway.kill('SIGKILL'))
    await Promise.race([waitForPort(mqttPort, 2 * MINUTE), exited.then((code) => Promise.reject(new Error(`gateway exited with ${code}:\n${out}`)))])
    await waitForPort(httpPort, MINUTE)

    const health = await fetch(`http://127.0.0.1:${httpPort}/api/health`)
    expect(health.status, out).toBe(200)
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true)

    const box = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'box-1', password: SECRET('box-1'), clientId: 'box-1', reconnectPeriod: 0 })
    const acks: Array<number | undefined> = []
    box.on('packetreceive', (p) => p.cmd === 'puback' && acks.push(p.messageId))
    const sent = await box.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    expect(acks).toEqual([sent?.messageId])
    await box.endAsync()

    gateway.kill('SIGTERM')
    expect(await exited, out).toBe(0)
    const db = new Database(join(dataDir, 'chamdiem.db'), { readonly: true })
    const stored = db.prepare("SELECT box_id AS box, seq, rating FROM presses").all()
    db.close()
    expect(stored).toEqual([{ box: 'box-1', seq: 1, rating: 'positive' }])

    // What the gateway loaded: our compiled code from the installed package, none of the parts
    // this config does not use, and no TypeScript loader.
    const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean)
    expect(loaded.some((f) => f.includes('/lib/node_modules/chamdiem/dist/gateway/gateway.js'))).toBe(true)
    const unwanted = loaded.filter((f) => /\/(tsx|esbuild|johnny-five|serialport|@serialport|firmata-io|@influxdata|avr8js)\/|\/dist\/(simulator|firmware)\/|\.ts$/.test(f))
    expect(unwanted).toEqual([])
  })
})
