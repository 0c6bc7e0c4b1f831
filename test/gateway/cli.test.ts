/** The `chamdiem` command as an office's IT person runs it: real processes, a real data dir. */
import { writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { OFFICE } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { chamdiem } from '../helpers/cli.ts'


describe('chamdiem CLI', () => {
  it('exits 1 naming every problem of an invalid config', async () => {
    const dir = tempDir()
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, 'mqtt:\n  port: 99999\nhttp:\n  prot: 80\n')
    const r = await chamdiem(['gateway', '--config', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`invalid config ${file}`)
    expect(r.stderr).toMatch(/\/mqtt\/port: expected integer to be less or equal to 65535/)
    expect(r.stderr).toMatch(/\/http\/prot: unexpected property/)
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/) // no stack trace
  })

  it('exits 1 naming the entry of an invalid registry', async () => {
    const dir = tempDir()
    const file = join(dir, 'gw.yaml')
    writeFileSync(file, stringify({ dataDir: dir, mqtt: { host: '127.0.0.1', port: 0, wsPort: null }, http: { enabled: false }, registry: { ...OFFICE, officers: [{ id: 'x', office: 'nope', name: 'X' }] } }))
    const r = await chamdiem(['gateway', '--config', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('/registry/officers/0: unknown office "nope"')
  })

  it('provisions, moves and lists boxes, signs officers in and out, and reports', async () => {
    const dir = tempDir()
    const file = join(dir, 'gw.yaml')
    writeFileSync(file, stringify({ dataDir: dir }))
    const c = ['--config', file]
    expect((await chamdiem(['officer', 'add-office', 'hcc', 'Trung tâm HCC', ...c])).code).toBe(0)
    expect((await chamdiem(['officer', 'add-counter', 'q1', 'Quầy 1', '--office', 'hcc', ...c])).code).toBe(0)
    expect((await chamdiem(['officer', 'add-counter', 'q2', 'Quầy 2', '--office', 'hcc', ...c])).code).toBe(0)
    expect((await chamdiem(['officer', 'add', 'an', 'Nguyễn Văn An', '--office', 'hcc', ...c])).code).toBe(0)

    const p = await chamdiem(['box', 'provision', 'box-7', '--counter', 'q1', ...c])
    expect(p.code).toBe(0)
    expect(p.stdout).toMatch(/secret: [A-Za-z0-9_-]{32}\n/)
    expect((await chamdiem(['box', 'move', 'box-7', 'q2', ...c])).stdout).toContain('box box-7 now at counter q2')
    const list = JSON.parse((await chamdiem(['box', 'list', '--json', ...c])).stdout)
    expect(list).toEqual([{ box: 'box-7', counter: 'q2', state: 'never seen', lastSeen: null, lastPress: null }])

    const unknown = await chamdiem(['box', 'move', 'box-7', 'q9', ...c])
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'chamdiem box: unknown counter "q9"'])

    expect((await chamdiem(['duty', 'in', 'an', 'q2', ...c])).stdout).toMatch(/an on duty at q2/)
    expect(JSON.parse((await chamdiem(['duty', 'list', '--json', ...c])).stdout)).toEqual([
      { counter: 'q1', name: 'Quầy 1', officer: null },
      { counter: 'q2', name: 'Quầy 2', officer: 'an' },
    ])
    expect((await chamdiem(['duty', 'out', 'an', ...c])).code).toBe(0)
    const again = await chamdiem(['duty', 'out', 'an', ...c])
    expect([again.code, again.stderr.trim()]).toEqual([1, 'chamdiem duty: officer an is not on duty'])

    const csv = await chamdiem(['report', '--from', '2026-01-01', '--to', '2027-01-01', '--by', 'counter', '--format', 'csv', ...c])
    expect(csv.code).toBe(0)
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^\uFEFFHạng,Mã,Quầy,Rất hài lòng,Hài lòng,Không hài lòng,Tổng số,/)
    const bad = await chamdiem(['report', '--from', 'yesterday', '--to', '2027-01-01', ...c])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--from: cannot read "yesterday" as a date YYYY-MM-DD/)
  }, 180_000) // a dozen CLI processes, each loading TypeScript through tsx

  it('exits 1 naming the port when the MQTT port is taken, leaving nothing running', async () => {
    const dir = tempDir()
    const blocker = createServer().listen(0, '127.0.0.1')
    await once(blocker, 'listening')
    const port = (blocker.address() as { port: number }).port
    try {
      const file = join(dir, 'gw.yaml')
      writeFileSync(file, stringify({ dataDir: dir, mqtt: { host: '127.0.0.1', port, wsPort: null }, http: { enabled: false } }))
      const r = await chamdiem(['gateway', '--config', file]) // returns only once the process has exited
      expect(r.code).toBe(1)
      expect(r.stderr.trim()).toBe(`chamdiem gateway: cannot listen for MQTT (mqtt.port) on 127.0.0.1:${port}: the port is in use`)
    } finally {
      blocker.close()
    }
  })

  it('prints usage for an unknown command', async () => {
    const r = await chamdiem(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown command "frobnicate"/)
  })
})
