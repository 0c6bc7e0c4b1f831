/**
 * `chamdiem simulate` as a user runs it, against a real gateway: the registry file is the
 * gateway's own `registry` format, and the final JSON summary matches the gateway's report.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import type { RegistryConfig } from '../../gateway/config-schema.ts'
import { generateRegistry } from '../../simulator/seed-office.ts'
import { buildReport } from '../../gateway/report.ts'
import { ratingScale } from '../../gateway/config.ts'
import { importRegistry } from '../../gateway/registry-import.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { tempDir } from '../helpers/tmp.ts'

const ROOT = join(import.meta.dirname, '..', '..')

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/chamdiem.js', 'simulate', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('chamdiem simulate', () => {
  it('runs the registry file against a gateway; its JSON summary equals the gateway report per counter', async () => {
    const reg = generateRegistry(12, 'hcc')
    const tg = await startTestGateway()
    // Boxes installed an hour ago: presses sent faster than the gateway's cooldown are dated
    // back (simulator/virtual-box.ts) and still fall after the installation.
    importRegistry(tg.gw.registry, tg.gw.db, reg, Date.now() - 3_600_000)
    const file = join(tempDir(), 'registry.yaml')
    writeFileSync(file, stringify({ registry: reg }))
    const started = Date.now()
    const res = await runCli([
      '-g',
      tg.mqttUrl,
      '-r',
      file,
      '--presses',
      '15',
      '--faults',
      'dup=0.2,garbage=0.05,flood=0.1:3,kill=0.2:100ms',
      '--json',
    ])
    expect(res.stderr).toMatch(/simulating 12 boxes/)
    expect(res.stderr).toMatch(/sent \d+ \| acked \d+ \| queued 0/)
    expect(res.code).toBe(0)
    const out = JSON.parse(res.stdout)
    expect(out.totals.acked).toBe(out.totals.presses)
    expect(out.totals.counted.total + out.totals.repeats.total).toBe(out.totals.presses)
    const report = buildReport(tg.gw.db, {
      // Counted presses sent faster than the gateway's cooldown are dated back (virtual-box.ts).
      fromMs: started - 3_600_000,
      toMs: Date.now() + 60_000,
      by: 'counter',
    })
    const fromGateway = Object.fromEntries(
      report.rows.map((r) => [
        r.key,
        {
          positive: r.positive,
          neutral: r.neutral,
          negative: r.negative,
          total: r.total,
          repeats: r.repeats,
        },
      ]),
    )
    const fromSimulator = Object.fromEntries(
      Object.entries(
        out.counters as Record<
          string,
          { counted: Record<string, number>; repeats: { total: number } }
        >,
      ).map(([k, g]) => [
        k,
        {
          positive: g.counted.positive,
          neutral: g.counted.neutral,
          negative: g.counted.negative,
          total: g.counted.total,
          repeats: g.repeats.total,
        },
      ]),
    )
    expect(fromGateway).toEqual(fromSimulator)
    const rejected = tg.gw.db.prepare('SELECT COUNT(*) AS n FROM rejected').get() as { n: number }
    // Garbage is resent after a killed connection like any message: at least once each.
    expect(rejected.n).toBeGreaterThanOrEqual(out.totals.garbage)
  })

  it('presses the five levels of a five-level gateway (--levels 5); its summary equals the gateway report per level', async () => {
    const reg = generateRegistry(4, 'hcc')
    const tg = await startTestGateway({ config: { ratingScale: { preset: 5 } } })
    importRegistry(tg.gw.registry, tg.gw.db, reg, Date.now() - 3_600_000)
    const file = join(tempDir(), 'registry.yaml')
    writeFileSync(file, stringify({ registry: reg }))
    const started = Date.now()
    const res = await runCli(['-g', tg.mqttUrl, '-r', file, '--presses', '40', '--levels', '5', '--json'])
    expect(res.code).toBe(0)
    const out = JSON.parse(res.stdout)
    const levels = ['positive', 'neutral', 'fair', 'negative', 'very-negative'] as const
    // Every level was pressed, and nothing was refused as outside the scale.
    for (const l of levels) expect(out.totals.counted[l]).toBeGreaterThan(0)
    expect(tg.gw.db.prepare('SELECT COUNT(*) FROM rejected').pluck().get()).toBe(0)
    const report = buildReport(tg.gw.db, { fromMs: started - 3_600_000, toMs: Date.now() + 60_000, by: 'counter', scale: ratingScale(tg.config) })
    const fromGateway = Object.fromEntries(report.rows.map((r) => [r.key, [...levels.map((l) => r[l]), r.total, r.repeats]]))
    const fromSimulator = Object.fromEntries(
      Object.entries(out.counters as Record<string, { counted: Record<string, number>; repeats: { total: number } }>).map(([k, g]) => [k, [...levels.map((l) => g.counted[l]), g.counted.total, g.repeats.total]]),
    )
    expect(fromGateway).toEqual(fromSimulator)
  })

  it('generates a load office, and prints tables by box and by counter without --json', async () => {
    const generated = await runCli(['--generate', '3'])
    expect(generated.code).toBe(0)
    const file = join(tempDir(), 'office.yaml')
    writeFileSync(file, generated.stdout)
    // The same file provisions the gateway and feeds the simulator.
    const tg = await startTestGateway({
      registry: (parse(generated.stdout) as { registry: RegistryConfig }).registry,
    })
    const res = await runCli(['-g', tg.mqttUrl, '-r', file, '--presses', '5', '--boxes', '2'])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/^box\s+positive\s+neutral\s+negative\s+total\s+repeats/m)
    expect(res.stdout).toMatch(/^box-1\s+\d+/m)
    expect(res.stdout).not.toMatch(/^box-3/m)
    expect(res.stdout).toMatch(/^counter\s+positive/m)
    expect(res.stdout).toMatch(/presses 10, acknowledged 10, still queued 0/)
  })

  it('refuses a registry with a wrong field in one clear line', async () => {
    const file = join(tempDir(), 'bad.yaml')
    writeFileSync(file, stringify({ registry: { boxes: [{ id: 'box 1', secret: 'x' }] } }))
    const res = await runCli(['-g', 'mqtt://127.0.0.1:1', '-r', file, '--presses', '1'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/invalid registry .*bad\.yaml/)
    expect(res.stderr).toMatch(/\/boxes\/0\/id/)
  })
})
