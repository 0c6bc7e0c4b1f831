/**
 * Alerts delivered as an office expects them: a webhook receiver (a real node:http server on
 * a loopback port) gets the JSON of each alert event; a real SMTP server (smtp-server,
 * in-process) gets a Vietnamese mail for the office's recipients; a receiver that is down is
 * retried with backoff, visibly in /api/health and /metrics, while presses go on being
 * stored; the daily report arrives by mail at its local time with the CSV attached. The
 * gateway's clock is frozen and moved by the test, never today's date.
 */
import { describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../http/app-helper.ts'
import { startHttpReceiver } from '../helpers/servers/http-receiver.ts'
import { startSmtpServer } from '../helpers/servers/smtp.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { buildPeriodReport } from '../../gateway/reports/period-report.ts'
import { rangePeriod } from '../../gateway/reports/periods.ts'
import { reportCsv } from '../../gateway/reports/csv.ts'

const TZ = 'Asia/Ho_Chi_Minh'
// Saturday 10:00: outside the default office days, so no box-offline alert joins in.
const saturday10 = localMidnight('2026-11-21', TZ) + 10 * 3600_000

async function raiseFrowns(t: TestApp, box = 'box-1'): Promise<void> {
  for (let seq = 1; seq <= 10; seq++) await t.pressAs(box, seq, seq === 1 ? 'positive' : 'negative')
  t.gw.alerts!.refresh()
}

async function until<T>(what: string, read: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('alert delivery', () => {
  it('posts the alert as JSON to the webhook and mails the office\'s recipients in Vietnamese', async () => {
    const hook = await startHttpReceiver()
    const smtp = await startSmtpServer()
    let now = saturday10
    const t = await startTestApp({
      now: () => now,
      config: {
        alerts: { system: false },
        notify: {
          webhook: { url: hook.url, headers: { authorization: 'Bearer hook-token' } },
          smtp: { host: '127.0.0.1', port: smtp.port, from: 'canhbao@hcc.example' },
          recipients: [
            { office: 'hcc', to: ['truong.hcc@hcc.example'] },
            { office: 'other', to: ['truong.khac@other.example'] },
            { office: '*', to: ['vanphong@tinh.example'] },
          ],
        },
      },
    })
    const head = await t.login('head')
    expect((await head.request('POST', '/api/duty/sign-in', { officer: 'an', counter: 'q1' })).statusCode).toBe(201)
    await raiseFrowns(t)

    const [raised] = await hook.waitFor(1)
    expect(raised.method).toBe('POST')
    expect(raised.headers['content-type']).toMatch(/^application\/json/)
    expect(raised.headers.authorization).toBe('Bearer hook-token')
    expect(raised.json).toMatchObject({
      event: 'raised',
      summary: 'Tỷ lệ "Không hài lòng" 90% tại Quầy 1',
      alert: {
        kind: 'frowns',
        state: 'open',
        raisedAt: now,
        officeId: 'hcc',
        officeName: 'Trung tâm Phục vụ hành chính công',
        counterId: 'q1',
        counterName: 'Quầy 1',
        officerId: 'an',
        officerName: 'Nguyễn Văn An',
        negative: 9,
        total: 10,
        share: 0.9,
        windowMin: 60,
      },
    })
    const id = (raised.json as { alert: { id: number } }).alert.id

    const mail = await smtp.next()
    expect(mail.from).toBe('canhbao@hcc.example')
    // The office's head and the province's office; not the other office's head.
    expect(mail.to.sort()).toEqual(['truong.hcc@hcc.example', 'vanphong@tinh.example'])
    expect(mail.subject).toBe(`[Cảnh báo #${id}] Tỷ lệ "Không hài lòng" 90% tại Quầy 1 – Trung tâm Phục vụ hành chính công`)
    expect(mail.text).toContain('Thời điểm: 10:00 21/11/2026')
    expect(mail.text).toContain('Quầy: Quầy 1')
    expect(mail.text).toContain('Cán bộ: Nguyễn Văn An')
    expect(mail.text).toContain('Số liệu: 9/10 lượt đánh giá "Không hài lòng" (90%) trong 60 phút qua')

    // The acknowledgement reaches the webhook too, with who and why.
    now += 60_000
    expect((await head.request('POST', `/api/alerts/${id}/ack`, { comment: 'Đã nhắc nhở' })).statusCode).toBe(200)
    const events = await hook.waitFor(2)
    expect(events[1].json).toMatchObject({ event: 'acknowledged', alert: { id, state: 'acknowledged', acknowledgedBy: 'head', comment: 'Đã nhắc nhở' } })
    // Only the raise is mailed.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(smtp.mails).toHaveLength(1)
  })

  it('retries a receiver that is down with backoff, shows the failures, and never holds up ingest', async () => {
    const hook = await startHttpReceiver()
    await hook.close()
    const now = saturday10
    const t = await startTestApp({
      now: () => now,
      config: {
        alerts: { system: false },
        // Frowns only: the presses sent in a flash below are bursts, an alert of their own.
        notify: { webhook: { url: hook.url, timeoutMs: 1000 }, retry: { attempts: 20, minBackoffMs: 100, maxBackoffMs: 400 }, kinds: ['frowns'] },
      },
    })
    const admin = await t.login('admin')
    await raiseFrowns(t)
    const health = async () => {
      const parts = (await admin.request('GET', '/api/health')).json().parts as Array<{ name: string; status?: { delivery: { webhook: { failures: number; queued: number; sent: number; lastError: string | null } } } }>
      return parts.find((p) => p.name === 'alerts')!.status!.delivery.webhook
    }
    const down = await until('two failed tries', health, (w) => w.failures >= 2)
    expect(down).toMatchObject({ queued: 1, sent: 0, lastError: expect.stringMatching(/ECONNREFUSED/) })
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).body
    expect(metrics).toMatch(/chamdiem_notify_failures_total\{channel="webhook"\} [2-9]/)
    expect(metrics).toContain('chamdiem_notify_queued{channel="webhook"} 1')

    // Meanwhile presses are stored and acknowledged as ever.
    for (let seq = 11; seq <= 60; seq++) await t.pressAs('box-2', seq, 'positive')
    expect(t.db.prepare("SELECT count(*) AS n FROM presses WHERE box_id = 'box-2'").get()).toEqual({ n: 50 })
    expect((await health()).queued).toBe(1)

    // Back up: the waiting alert arrives, once.
    await hook.reopen()
    const [got] = await hook.waitFor(1)
    expect(got.json).toMatchObject({ event: 'raised', alert: { kind: 'frowns', counterId: 'q1' } })

    const after = await until('the queue drained', health, (w) => w.queued === 0)
    expect(after.sent).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(hook.received).toHaveLength(1)
  })

  it('treats an error answer or no answer within the timeout as a failure, and retries', async () => {
    const hook = await startHttpReceiver()
    hook.status = 503
    const t = await startTestApp({
      now: () => saturday10,
      config: { alerts: { system: false }, notify: { webhook: { url: hook.url, timeoutMs: 300 }, retry: { attempts: 50, minBackoffMs: 50, maxBackoffMs: 200 }, kinds: ['frowns'] } },
    })
    await raiseFrowns(t)
    const webhook = () => (t.gw.health().parts.find((p) => p.name === 'alerts')!.status as { delivery: { webhook: { failures: number; lastError: string | null; sent: number } } }).delivery.webhook
    await until('an HTTP 503 failure', webhook, (w) => w.lastError === 'HTTP 503')
    hook.status = 204
    hook.hang = true
    await until('a timeout', webhook, (w) => w.lastError === 'no answer within 300 ms')
    hook.hang = false
    const [got] = await hook.waitFor(1)
    expect(got.json).toMatchObject({ event: 'raised', alert: { kind: 'frowns' } })
    await until('sent', webhook, (w) => w.sent === 1)
  })

  it('mails each office its daily report at the local time, with the report attached as CSV', async () => {
    const smtp = await startSmtpServer()
    const friday = localMidnight('2026-11-20', TZ)
    // Saturday 06:59:30, half a minute before the report is due.
    let now = localMidnight('2026-11-21', TZ) + 6 * 3600_000 + 59 * 60_000 + 30_000
    const t = await startTestApp({
      now: () => now,
      scheduleTickMs: 50,
      config: {
        alerts: { system: false },
        notify: {
          smtp: { host: '127.0.0.1', port: smtp.port, from: 'baocao@hcc.example' },
          recipients: [{ office: 'hcc', to: ['truong.hcc@hcc.example'], alerts: false }],
          report: { schedule: 'daily', at: '07:00' },
        },
      },
    })
    // Friday's presses (dated by their age) and one of Saturday morning, which is not Friday's.
    const ageTo = (at: number) => now - at
    await t.pressAs('box-1', 1, 'positive', { ageMs: ageTo(friday + 9 * 3600_000) })
    await t.pressAs('box-1', 2, 'neutral', { ageMs: ageTo(friday + 10 * 3600_000) })
    await t.pressAs('box-2', 1, 'negative', { ageMs: ageTo(friday + 16 * 3600_000) })
    await t.pressAs('box-2', 2, 'positive')
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(smtp.mails).toEqual([])

    now += 30_000
    const mail = await smtp.next()
    expect(mail.to).toEqual(['truong.hcc@hcc.example'])
    expect(mail.subject).toBe('Báo cáo mức độ hài lòng ngày 20/11/2026 – Trung tâm Phục vụ hành chính công')
    expect(mail.text).toContain('Tổng số lượt đánh giá: 3')
    expect(mail.text).toContain('Số lượt "Không hài lòng": 1')
    expect(mail.attachments.map((a) => a.filename)).toEqual(['bao-cao-hcc-2026-11-20.csv'])
    const csv = mail.attachments[0]
    expect(csv.contentType).toMatch(/^text\/csv/)
    // The attachment is the office's report of Friday, as the dashboard exports it.
    const report = buildPeriodReport(t.db, { period: rangePeriod('2026-11-20', '2026-11-20'), timezone: TZ, by: 'officer', officeId: 'hcc' })
    expect(report.totals).toMatchObject({ positive: 1, neutral: 1, negative: 1, total: 3 })
    expect(csv.content.toString('utf8')).toBe('\uFEFF' + reportCsv(report))
    expect(csv.content.toString('utf8').split('\r\n')[0]).toContain('Tỷ lệ hài lòng')

    // Once a day: the next ticks send nothing more; the next day at 07:00 it comes again.
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(smtp.mails).toHaveLength(1)
    now += 86_400_000
    expect((await smtp.next()).subject).toBe('Báo cáo mức độ hài lòng ngày 21/11/2026 – Trung tâm Phục vụ hành chính công')
  })

  it('mails the weekly report on its weekday: the seven days before', async () => {
    const smtp = await startSmtpServer()
    // Sunday 2026-11-22 07:00: the time of day, but not the day (weekly on Mondays).
    let now = localMidnight('2026-11-22', TZ) + 7 * 3600_000
    const t = await startTestApp({
      now: () => now,
      scheduleTickMs: 50,
      config: {
        alerts: { system: false },
        notify: {
          smtp: { host: '127.0.0.1', port: smtp.port },
          recipients: [{ office: 'hcc', to: ['truong.hcc@hcc.example'] }],
          report: { schedule: 'weekly', weekday: 1, at: '07:00', by: 'counter' },
        },
      },
    })
    // Monday 16th (the first day of the week reported) and Sunday 15th (the week before).
    await t.pressAs('box-1', 1, 'positive', { ageMs: now - (localMidnight('2026-11-16', TZ) + 8 * 3600_000) })
    await t.pressAs('box-1', 2, 'negative', { ageMs: now - (localMidnight('2026-11-15', TZ) + 8 * 3600_000) })
    now += 3600_000
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(smtp.mails).toEqual([])
    now = localMidnight('2026-11-23', TZ) + 7 * 3600_000
    const mail = await smtp.next()
    expect(mail.subject).toBe('Báo cáo mức độ hài lòng tuần 16/11/2026 – 22/11/2026 – Trung tâm Phục vụ hành chính công')
    expect(mail.text).toContain('Tổng số lượt đánh giá: 1')
    expect(mail.attachments.map((a) => a.filename)).toEqual(['bao-cao-hcc-2026-11-16-2026-11-22.csv'])
    const report = buildPeriodReport(t.db, { period: rangePeriod('2026-11-16', '2026-11-22'), timezone: TZ, by: 'counter', officeId: 'hcc' })
    expect(mail.attachments[0].content.toString('utf8')).toBe('\uFEFF' + reportCsv(report))
  })
})
