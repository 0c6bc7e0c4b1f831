/**
 * The audit trail as an office head disputing a count would use it: every change that decides
 * who gets credit, made through the dashboard, the CLI or the config file, leaves an entry
 * naming who and from where; `chamdiem audit verify` (the real command) passes on an intact
 * trail and names the entry when one was changed or deleted on disk with sqlite3; the chain
 * continues over a restart; an entry never outlives its failed change, nor a change its entry.
 */
import { execFileSync } from 'node:child_process'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { GENESIS, auditEntries, entryHash, recordAudit, verifyAudit, type AuditEntry } from '../../gateway/audit.ts'
import { startTestApp } from '../http/app-helper.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { chamdiem } from '../helpers/cli.ts'
import { OFFICE } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'

// Monday 10 August 2026, 09:00 in Hanoi.
const DAY = Date.parse('2026-08-10T09:00:00+07:00')

const sqlite3 = (file: string, statements: string) => execFileSync('sqlite3', [file, statements])

describe('audit trail', () => {
  it('records every change that decides who gets credit, with who and from where, through HTTP, CLI and the config file', async () => {
    let now = DAY
    const t = await startTestApp({ now: () => now })
    const admin = await t.login('admin')
    const ok = async (method: string, url: string, body?: unknown) => {
      const res = await admin.request(method, url, body)
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
      return res
    }
    await ok('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })
    now += 60_000
    await ok('POST', '/api/duty/sign-out', { officer: 'an' })
    await ok('POST', '/api/boxes', { id: 'box-9', counter: 'q1' })
    await ok('POST', '/api/boxes/box-9/move', { counter: 'q2' })
    await ok('POST', '/api/boxes', { id: 'box-9', counter: 'q2' }) // a new secret
    await ok('POST', '/api/boxes/box-9/retire')
    const shift = (await ok('POST', '/api/shifts', { counter: 'q1', officer: 'binh', weekday: 2, from: '08:00', to: '12:00' })).json()
    await ok('DELETE', `/api/shifts/${shift.id}`)
    const user = (await ok('POST', '/api/users', { username: 'head3', password: 'long enough pw', role: 'head', officeId: 'hcc' })).json()
    await ok('PATCH', `/api/users/${user.id}`, { role: 'viewer', password: 'another long pw' })
    await ok('DELETE', `/api/users/${user.id}`)

    const res = await ok('GET', '/api/audit?from=2026-08-10&to=2026-08-10')
    const entries = res.json().entries as AuditEntry[]
    const byAdmin = entries.filter((e) => e.actor === 'admin')
    expect(byAdmin.map((e) => e.action)).toEqual([
      'duty.sign-in', 'duty.sign-out', 'box.provision', 'box.assign', 'box.assign', 'box.rotate-secret',
      'box.retire', 'shift.add', 'shift.remove', 'user.create', 'user.update', 'user.remove',
    ])
    expect(new Set(byAdmin.map((e) => e.source))).toEqual(new Set(['127.0.0.1']))
    expect(byAdmin[0]).toMatchObject({ subject: 'officer:an', officeId: 'hcc', counterId: 'q1', officerId: 'an', at: DAY, effectiveAt: DAY })
    expect(byAdmin[1]).toMatchObject({ action: 'duty.sign-out', at: DAY + 60_000 })
    expect(JSON.parse(byAdmin[4].details)).toEqual({ fromCounter: 'q1' })
    expect(JSON.parse(byAdmin[10].details)).toMatchObject({ role: 'viewer', passwordChanged: true, before: { role: 'head' } })
    // No secret or password is ever in the trail.
    expect(JSON.stringify(entries)).not.toMatch(/long enough pw|another long pw|secret-of/)
    // The config file's registry, imported at start, is in the trail as the config file's.
    const fromFile = auditEntries(t.db).filter((e) => e.source === 'config-file')
    expect(fromFile.map((e) => e.action)).toContain('box.provision')
    expect(fromFile.at(-1)).toMatchObject({ action: 'registry.import', actor: 'config-file' })
    // A head sees the entries of their office only; a viewer none.
    const head2 = await t.login('head2')
    const seenByHead2 = (await head2.request('GET', '/api/audit?from=2026-08-10&to=2026-08-10')).json().entries as AuditEntry[]
    expect(seenByHead2.length).toBeGreaterThan(0)
    expect(new Set(seenByHead2.map((e) => e.officeId))).toEqual(new Set(['other']))
    expect((await (await t.login('viewer')).request('GET', '/api/audit?from=2026-08-10&to=2026-08-10')).statusCode).toBe(403)
    // The CSV behind a report period: Vietnamese headers, one line per entry, hashes kept.
    const csv = await ok('GET', '/api/audit?from=2026-08-10&to=2026-08-10&office=hcc&format=csv&sep=semicolon')
    const lines = csv.body.replace(/^\ufeff/, '').trim().split('\r\n')
    expect(lines[0]).toBe('Số;Thời điểm;Người thực hiện;Từ đâu;Hành động;Đối tượng;Đơn vị;Quầy;Cán bộ;Có hiệu lực từ;Chi tiết;Mã băm trước;Mã băm')
    expect(lines.find((l) => l.includes(';admin;'))).toContain(';10/08/2026 09:00:00;admin;127.0.0.1;duty.sign-in;officer:an;hcc;q1;an;10/08/2026 09:00:00;')
    expect(lines.length - 1).toBe(entries.filter((e) => e.officeId === 'hcc').length)

    // The CLI, run by the person at this host, while the gateway runs on the same database.
    const dataDir = t.config.dataDir
    const signIn = await chamdiem(['duty', 'in', 'cuong', 'q2', '-d', dataDir])
    expect(signIn.code, signIn.stderr).toBe(0)
    const listed = JSON.parse((await chamdiem(['audit', 'list', '--json', '-d', dataDir])).stdout) as AuditEntry[]
    expect(listed.at(-1)).toMatchObject({ action: 'duty.sign-in', officerId: 'cuong', source: expect.stringMatching(/^cli:[^@]+@.+/) })
    const verify = await chamdiem(['audit', 'verify', '-d', dataDir])
    expect(verify.stdout).toMatch(new RegExp(`audit trail intact: ${listed.length} entries`))
    expect(verify.code).toBe(0)
  }, 240_000) // three runs of the real CLI on a loaded machine

  it('fails verify naming an entry changed or deleted on disk; the chain continues over a restart', async () => {
    const dataDir = tempDir('chamdiem-audit-')
    const first = await startTestGateway({ dataDir, registry: OFFICE, now: () => DAY })
    first.gw.registry.signIn('an', 'q1', DAY)
    first.gw.registry.assignBox('box-3', 'q2', DAY)
    first.gw.registry.signOut('an', DAY + 3600_000)
    const before = verifyAudit(first.gw.db)
    expect(before.ok).toBe(true)
    await first.stop()

    // Restarted: the chain goes on from its head.
    const second = await startTestGateway({ dataDir, registry: OFFICE, now: () => DAY + 86400_000 })
    second.gw.registry.signIn('binh', 'q2')
    const after = verifyAudit(second.gw.db)
    expect(after).toMatchObject({ ok: true, count: before.count + 1 })
    const entries = auditEntries(second.gw.db)
    expect(entries.at(-1)!.prevHash).toBe(entries.at(-2)!.hash)
    await second.stop()
    expect((await chamdiem(['audit', 'verify', '-d', dataDir])).code).toBe(0)

    const signIn = entries.find((e) => e.action === 'duty.sign-in' && e.officerId === 'an')!
    const move = entries.find((e) => e.action === 'box.assign' && e.subject === 'box:box-3')!

    // Someone credits another officer by editing an entry (the triggers are no obstacle to sqlite3).
    const edited = tempDir('chamdiem-audit-edited-')
    cpSync(dataDir, edited, { recursive: true })
    const editedDb = join(edited, 'chamdiem.db')
    expect(() => sqlite3(editedDb, `UPDATE audit_log SET officer_id = 'cuong' WHERE id = ${signIn.id}`)).toThrow(/append-only/)
    sqlite3(editedDb, `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET officer_id = 'cuong' WHERE id = ${signIn.id}`)
    const r1 = await chamdiem(['audit', 'verify', '-d', edited])
    expect(r1.code).toBe(1)
    expect(r1.stderr).toContain(`entry ${signIn.id} (${new Date(DAY).toISOString()}, duty.sign-in)`)
    expect(r1.stderr).toContain('does not match its hash')

    // ... or deletes the box move.
    const deleted = tempDir('chamdiem-audit-deleted-')
    cpSync(dataDir, deleted, { recursive: true })
    sqlite3(join(deleted, 'chamdiem.db'), `DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = ${move.id}`)
    const r2 = await chamdiem(['audit', 'verify', '-d', deleted])
    expect(r2.code).toBe(1)
    expect(r2.stderr).toContain(`entry ${move.id} is missing`)
    expect(r2.stderr).toContain(`at entry ${move.id + 1} `)

    // ... or deletes the newest entry, or rewrites an entry with a freshly computed hash.
    const tail = tempDir('chamdiem-audit-tail-')
    cpSync(dataDir, tail, { recursive: true })
    sqlite3(join(tail, 'chamdiem.db'), `DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = ${entries.at(-1)!.id}`)
    const r3 = await chamdiem(['audit', 'verify', '-d', tail])
    expect(r3.code).toBe(1)
    expect(r3.stderr).toContain(`entry ${entries.at(-1)!.id} is missing at the end`)
  }, 240_000) // four runs of the real CLI on a loaded machine

  it('an entry is rolled back with its failed change, and a change with its failed entry', async () => {
    const t = await startTestGateway({ registry: OFFICE, now: () => DAY })
    const reg = t.gw.registry
    const count = () => auditEntries(t.gw.db).length
    const n = count()
    // The box is provisioned (entry written), then its counter is unknown: neither stays.
    expect(() => reg.provisionBox('box-7', { counterId: 'nope' })).toThrow(/unknown counter/)
    expect(reg.boxExists('box-7')).toBe(false)
    expect(count()).toBe(n)
    expect(() => reg.signOut('cuong')).toThrow(/not on duty/)
    expect(count()).toBe(n)
    // The trail cannot be written: the sign-in is not made either.
    t.gw.db.exec("CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    expect(() => reg.signIn('an', 'q1')).toThrow(/disk says no/)
    expect(reg.dutySessions({ counterId: 'q1' })).toEqual([])
    t.gw.db.exec('DROP TRIGGER audit_full')
    reg.signIn('an', 'q1')
    expect(count()).toBe(n + 1)
    // The alerts' acknowledgement is recorded through the same API, in its own transaction.
    const ack = t.gw.db.transaction(() =>
      recordAudit(t.gw.db, { actor: 'head', source: '10.0.0.5', action: 'alert.acknowledged', subject: 'alert:17', officeId: 'hcc', counterId: 'q1', details: { comment: 'đã nhắc nhở' }, at: DAY }),
    )()
    expect(auditEntries(t.gw.db).at(-1)).toEqual(ack)
    expect(verifyAudit(t.gw.db)).toMatchObject({ ok: true, count: n + 2 })
  })

  it('a printed report names the history behind it, so a chain rewritten as a whole afterwards is caught', async () => {
    const t = await startTestApp({ now: () => DAY })
    const admin = await t.login('admin')
    await admin.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })
    await admin.request('POST', '/api/duty/sign-out', { officer: 'an' })
    const report = (await admin.request('GET', '/api/reports/official?office=hcc&period=2026-Q3')).json()
    const head = verifyAudit(t.db)
    expect(head.ok).toBe(true)
    expect(report.audit).toEqual({ entry: auditEntries(t.db).at(-1)!.id, hash: (head as { head: string }).head })
    const against = `${report.audit.entry}:${report.audit.hash}`
    await t.gw.stop()
    const dataDir = t.config.dataDir

    const intact = await chamdiem(['audit', 'verify', '-d', dataDir, '--against', against])
    expect(intact.code, intact.stderr).toBe(0)
    expect(intact.stdout).toContain(`entry ${report.audit.entry} has the hash the report gave`)

    // Someone with the database file moves the sign-in to another officer and recomputes every
    // hash after it: the chain alone is intact again; the hash the report printed is not.
    const rewritten = tempDir('chamdiem-audit-rewritten-')
    cpSync(dataDir, rewritten, { recursive: true })
    const db = new Database(join(rewritten, 'chamdiem.db'))
    db.exec('DROP TRIGGER audit_log_no_update')
    const signIn = auditEntries(db).find((e) => e.action === 'duty.sign-in')!
    db.prepare("UPDATE audit_log SET officer_id = 'cuong' WHERE id = ?").run(signIn.id)
    let prevHash = auditEntries(db).find((e) => e.id === signIn.id - 1)?.hash ?? GENESIS
    for (const e of auditEntries(db).filter((x) => x.id >= signIn.id)) {
      const hash = entryHash({ ...e, prevHash })
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?').run(prevHash, hash, e.id)
      prevHash = hash
    }
    db.close()
    expect((await chamdiem(['audit', 'verify', '-d', rewritten])).code).toBe(0)
    const caught = await chamdiem(['audit', 'verify', '-d', rewritten, '--against', against])
    expect(caught.code).toBe(1)
    expect(caught.stderr).toContain(`the history behind the report was REWRITTEN: the report gave entry ${report.audit.entry} hash ${report.audit.hash}, but entry ${report.audit.entry} now has hash ${prevHash}`)

    const bad = await chamdiem(['audit', 'verify', '-d', dataDir, '--against', 'latest'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('--against: expected ENTRY:HASH')
  })
})
