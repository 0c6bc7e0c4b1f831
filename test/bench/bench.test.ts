/**
 * Smoke test of `npm run bench`: the quick ingest benchmark runs end to end (real brokers,
 * real gateway, the real load generator, all on loopback) and leaves a results file of the
 * documented shape. No timing is asserted: goals are printed by the benchmark, not tested.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.ts'
import type { BenchResults } from '../../bench/lib/report.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)

describe('npm run bench -- --only ingest --quick', () => {
  it('runs the ingest benchmark and writes results JSON with rows, goals and per-run load', async () => {
    const out = tempDir('chamdiem-bench-test-')
    const docs = join(root, 'docs', 'benchmarks.md')
    const docsBefore = existsSync(docs) ? statSync(docs).mtimeMs : null

    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'ingest', '--quick', '--no-peer', '--out', out], {
      cwd: root,
      // The benchmark is its own program, not part of this vitest run (test/helpers/servers/
      // registers vitest hooks when it sees these variables).
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))),
      timeout: 280_000,
      maxBuffer: 10 * 2 ** 20,
    })

    const files = readdirSync(out).filter((f) => f.endsWith('.json'))
    expect(files).toHaveLength(1)
    const results = JSON.parse(readFileSync(join(out, files[0]), 'utf8')) as BenchResults
    expect(results).toMatchObject({ version: 1, quick: true, only: ['ingest'], runsPerSystem: 1 })
    expect(results.machine.cores).toBeGreaterThan(0)
    expect(results.machine.node).toBe(process.version)
    expect(results.machine.cpuModel).toEqual(expect.any(String))

    expect(results.suites.map((s) => s.id)).toEqual(['ingest'])
    const ingest = results.suites[0]
    expect(ingest.error).toBeUndefined()
    const names = ingest.rows.map((r) => r.name)
    for (const system of ['generator ceiling (null broker)', '(a) bare Aedes 1.2.0', '(c) gateway', '(c) gateway, queued presses']) {
      expect(names).toContain(`throughput ${system}`)
      expect(names).toContain(`PUBACK p99 ${system}`)
    }
    expect(names).toContain('throughput (c)/(a), same round')
    expect(names).toContain('throughput (c) queued presses/(a), same round')
    for (const r of ingest.rows) {
      expect(r).toMatchObject({ suite: 'ingest', unit: expect.any(String), n: 1 })
      expect(r.samples).toHaveLength(1)
      expect(Number.isFinite(r.median)).toBe(true)
    }
    // Every press the generator sent was acknowledged and, for the gateway, stored.
    expect(ingest.notes.filter((n) => /acknowledged|stored/.test(n) && !n.startsWith('durability'))).toEqual([])
    expect(ingest.goals.map((g) => g.goal)).toEqual([
      'gateway throughput vs bare Aedes',
      'gateway PUBACK p99 at 1,000 in flight',
      'gateway throughput vs bare Aedes, queued presses',
      'gateway PUBACK p99 at 1,000 in flight, queued presses',
      'gateway: acknowledged presses lost to kill -9',
    ])
    for (const g of ingest.goals) expect([true, false]).toContain(g.pass)
    // The durability column: the gateway, killed mid-run, has every press its boxes saw acknowledged.
    expect(ingest.goals.find((g) => g.goal.startsWith('gateway: acknowledged'))).toMatchObject({ measured: 0, pass: true })
    expect(ingest.notes.find((n) => n.startsWith('durability (c) gateway'))).toMatch(/kill -9 after \d+ ms: [1-9]\d* acknowledged, 0 of them absent/)
    expect(ingest.notes).toContain('(d) Mosquitto → Node-RED 4.1.2 → SQLite: skipped (left out with --no-peer)')
    for (const r of ingest.runs) expect(r.loadavg1).toEqual(expect.any(Number))

    // The printed table has a line per goal, and a quick run leaves docs/benchmarks.md alone.
    expect(stdout).toMatch(/gateway throughput vs bare Aedes .*(pass|MISS)/)
    expect(existsSync(docs) ? statSync(docs).mtimeMs : null).toBe(docsBefore)
  }, 300_000)
})
