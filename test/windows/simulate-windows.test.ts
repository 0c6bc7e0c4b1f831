/** `chamdiem simulate --windows` as a user runs it against a real gateway: its tally equals the gateway's window report. */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { importRegistry } from '../../gateway/registry-import.ts'
import { buildWindowReport } from '../../gateway/window-report.ts'
import { generateRegistry } from '../../simulator/seed-office.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { tempDir } from '../helpers/tmp.ts'

const ROOT = join(import.meta.dirname, '..', '..')

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/chamdiem.js', 'simulate', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('chamdiem simulate --windows', () => {
  it('drives rating windows through the HTTP API; the gateway report equals its tally', async () => {
    const reg = generateRegistry(3, 'hcc')
    const tg = await startTestGateway({ standardParts: true, config: { ingest: { cooldownMs: 0 } } })
    importRegistry(tg.gw.registry, tg.gw.db, reg, Date.now() - 3_600_000)
    const file = join(tempDir(), 'registry.yaml')
    writeFileSync(file, stringify({ registry: reg }))
    const { token } = tg.gw.tokens.create({ name: 'sim', officeId: 'hcc', scopes: ['windows'], createdBy: 'test' })
    const started = Date.now()
    const missing = await runCli(['-g', tg.mqttUrl, '-r', file, '--windows', tg.gw.httpUrl!], {})
    expect(missing.stderr).toMatch(/--windows needs --windows-token/)
    const res = await runCli(['-g', tg.mqttUrl, '-r', file, '--windows', tg.gw.httpUrl!, '--presses', '6', '--respond', '0.5', '--json'], { CHAMDIEM_WINDOWS_TOKEN: token })
    expect(res.code, res.stderr).toBe(0)
    const out = JSON.parse(res.stdout) as { opened: number; rated: number; byCounter: Record<string, { opened: number; rated: number }> }
    const counters = Object.keys(out.byCounter)
    expect(out.opened).toBe(6 * counters.length)
    const report = buildWindowReport(tg.gw.db, { fromMs: started, toMs: Date.now() + 1000 })
    expect(report.totals).toMatchObject({ opened: out.opened, rated: out.rated })
    expect(Object.fromEntries(report.byCounter.map((r) => [r.id, { opened: r.opened, rated: r.rated }]))).toEqual(out.byCounter)
  })
})
