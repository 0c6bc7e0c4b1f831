/**
 * Small holes found by trying the gateway as an attacker or a careless client would
 * (issue 11 item 7): a CSV cell with a lone carriage return, a report for the year 9999, a
 * live stream that outlived its logout, /metrics asked through a proxy on the same host.
 */
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { buildPeriodReport } from '../../gateway/reports/period-report.ts'
import { reportCsv } from '../../gateway/reports/csv.ts'
import { startTestApp } from './app-helper.ts'

describe('small holes', () => {
  it('quotes a CSV cell holding a lone carriage return (Excel ends the row there)', async () => {
    const t = await startTestApp()
    // Names entered now cannot hold control characters; one from an older database can.
    t.db.prepare("UPDATE counters SET name = 'Quầy\r1' WHERE id = 'q1'").run()
    await t.pressAs('box-1', 1, 'positive')
    const all = { kind: 'range' as const, from: '2000-01-01', to: '2099-12-31', code: 'all', label: 'all' }
    const csv = reportCsv(buildPeriodReport(t.db, { period: all, timezone: t.config.timezone, by: 'counter' }))
    expect(csv).toContain('"Quầy\r1"')
  })

  it('answers 400 with the reason for a period it cannot date, never 500', async () => {
    const t = await startTestApp()
    const admin = await t.login('admin')
    for (const url of [
      '/api/reports?from=9999-01-01&to=9999-12-31&by=officer',
      '/api/reports.csv?from=9999-01-01&to=9999-12-31&by=officer',
      '/api/reports/series?from=9999-01-01&to=9999-12-31',
      '/api/reports?from=2026-02-30&to=2026-03-01&by=officer',
    ]) {
      const res = await admin.request('GET', url)
      expect(res.statusCode, url).toBe(400)
      expect(res.json().error, url).toMatch(/date/)
    }
  })

  it('ends a live stream at logout at once, not at the next heartbeat', async () => {
    const t = await startTestApp({ heartbeatMs: 60_000 })
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    const head = await t.login('head')
    const res = await fetch(`${base}/api/live/events`, { headers: { cookie: head.cookie } })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    await reader.read() // the first event: the stream is open
    const logout = await head.request('POST', '/api/logout')
    expect(logout.statusCode).toBe(204)
    const endedAt = Date.now()
    for (;;) {
      const { done } = await reader.read()
      if (done) break
    }
    expect(Date.now() - endedAt).toBeLessThan(5_000)
  })

  it('answers /metrics without a session only to the host itself, not through a proxy on it', async () => {
    const t = await startTestApp()
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    expect((await fetch(`${base}/metrics`)).status).toBe(200)
    const proxied = await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } })
    expect(proxied.status).toBe(401)
  })
})
