/**
 * Delivers alerts (and the scheduled report) by webhook and e-mail. Nothing here may slow
 * ingest or the dashboard: an alert event only puts a job in a queue, and each channel works
 * through its own queue in the background, one job at a time in order (a "resolved" never
 * overtakes its "raised"), with a timeout per try and retries with doubling backoff up to
 * `notify.retry.attempts`. A receiver that is down costs a queue, never a press: what failed,
 * what was given up and what waits are in /api/health (part "alerts") and /metrics.
 */
import type { Logger } from '../log.ts'
import type { MetricSample } from '../metrics.ts'
import type { AlertTransition, Alerts } from './alerts.ts'
import type { NotifyConfig } from './notify-config.ts'
import { Mailer, type MailMessage } from './mail.ts'
import { postWebhook } from './webhook.ts'
import { alertMail, alertSummary, type Names } from './messages.ts'

export type Channel = 'webhook' | 'email'
const CHANNELS: Channel[] = ['webhook', 'email']

interface Job {
  what: string
  send: () => Promise<void>
  attempts: number
  dueAt: number
}

interface ChannelStats {
  sent: number
  failures: number
  givenUp: number
  dropped: number
  lastError: string | null
  lastErrorAt: number | null
}

export interface NotifierDeps {
  config: NotifyConfig
  timezone: string
  names: Names
  log: Logger
  /** Wall clock of the dates in messages (the gateway's clock). Retries wait in real time. */
  now: () => number
}

export class Notifier {
  private readonly queues: Record<Channel, Job[]> = { webhook: [], email: [] }
  private readonly busy: Record<Channel, boolean> = { webhook: false, email: false }
  private readonly timers: Partial<Record<Channel, NodeJS.Timeout>> = {}
  private readonly stats: Record<Channel, ChannelStats> = { webhook: emptyStats(), email: emptyStats() }
  private readonly mailer: Mailer | null
  private unsubscribe?: () => void
  private stopped = false

  constructor(private readonly deps: NotifierDeps) {
    this.mailer = deps.config.smtp ? new Mailer(deps.config.smtp) : null
  }

  /** Listens to the alerts' transitions (before they start, so no raise is missed). */
  start(alerts: Alerts): void {
    this.stopped = false
    this.unsubscribe = alerts.onTransition((t) => this.onTransition(t))
  }

  stop(): void {
    this.stopped = true
    this.unsubscribe?.()
    for (const c of CHANNELS) {
      clearTimeout(this.timers[c])
      if (this.queues[c].length > 0) this.deps.log.warn({ channel: c, pending: this.queues[c].length }, 'stopping with deliveries not made')
      this.queues[c] = []
    }
    this.mailer?.close()
  }

  get canMail(): boolean {
    return this.mailer !== null
  }

  /** Queues an e-mail (the scheduled report uses this too). */
  mail(what: string, msg: MailMessage): void {
    const mailer = this.mailer
    if (!mailer || msg.to.length === 0) return
    this.enqueue('email', what, () => mailer.send(msg))
  }

  status(): Record<Channel, ChannelStats & { configured: boolean; queued: number }> {
    const configured = { webhook: !!this.deps.config.webhook, email: !!this.mailer }
    return {
      webhook: { configured: configured.webhook, queued: this.queues.webhook.length, ...this.stats.webhook },
      email: { configured: configured.email, queued: this.queues.email.length, ...this.stats.email },
    }
  }

  metrics(): MetricSample[] {
    return CHANNELS.flatMap((channel) => {
      const s = this.stats[channel]
      const labels = { channel }
      return [
        { name: 'chamdiem_notify_sent_total', help: 'Alert deliveries and report mails accepted by the receiver', type: 'counter' as const, value: s.sent, labels },
        { name: 'chamdiem_notify_failures_total', help: 'Delivery tries that failed (each retried until notify.retry.attempts)', type: 'counter' as const, value: s.failures, labels },
        { name: 'chamdiem_notify_given_up_total', help: 'Deliveries given up after every try failed, or dropped from a full queue', type: 'counter' as const, value: s.givenUp + s.dropped, labels },
        { name: 'chamdiem_notify_queued', help: 'Deliveries waiting (a receiver down makes this grow)', type: 'gauge' as const, value: this.queues[channel].length, labels },
      ]
    })
  }

  private onTransition(t: AlertTransition): void {
    const { config, names, timezone, now } = this.deps
    const a = t.alert
    if (!config.kinds.includes(a.kind)) return
    if (config.webhook) {
      const hook = config.webhook
      const body = {
        event: t.event,
        sentAt: new Date(now()).toISOString(),
        summary: alertSummary(a, names, timezone),
        alert: {
          ...a,
          officeName: names.office(a.officeId),
          counterName: names.counter('counterId' in a ? a.counterId : null),
          officerName: names.officer('officerId' in a ? a.officerId : null),
        },
      }
      this.enqueue('webhook', `alert ${a.id} ${t.event}`, () => postWebhook(hook, body))
    }
    // E-mail says what needs attention: the alert raised (acknowledgements are on the dashboard).
    if (t.event === 'raised' && this.mailer) {
      const to = [
        ...new Set(config.recipients.filter((r) => r.alerts && (r.office === '*' || (a.officeId !== null && r.office === a.officeId))).flatMap((r) => r.to)),
      ]
      this.mail(`alert ${a.id} mail`, { to, ...alertMail(a, names, timezone) })
    }
  }

  private enqueue(channel: Channel, what: string, send: () => Promise<void>): void {
    if (this.stopped) return
    const q = this.queues[channel]
    if (q.length >= this.deps.config.retry.queueMax) {
      // The oldest not being sent right now makes room; with none, the new one is dropped.
      const [dropped] = q.splice(this.busy[channel] ? 1 : 0, 1)
      this.stats[channel].dropped++
      this.deps.log.error({ channel, dropped: (dropped ?? { what }).what }, 'delivery queue full: the oldest waiting delivery is dropped')
      if (!dropped) return
    }
    q.push({ what, send, attempts: 0, dueAt: 0 })
    this.pump(channel)
  }

  private pump(channel: Channel): void {
    if (this.busy[channel] || this.stopped) return
    const job = this.queues[channel][0]
    if (!job) return
    const wait = job.dueAt - Date.now()
    if (wait > 0) {
      clearTimeout(this.timers[channel])
      this.timers[channel] = setTimeout(() => this.pump(channel), wait)
      this.timers[channel].unref()
      return
    }
    this.busy[channel] = true
    void this.attempt(channel, job).finally(() => {
      this.busy[channel] = false
      this.pump(channel)
    })
  }

  private async attempt(channel: Channel, job: Job): Promise<void> {
    const { retry } = this.deps.config
    const stats = this.stats[channel]
    try {
      await job.send()
      stats.sent++
      this.remove(channel, job)
    } catch (err) {
      job.attempts++
      stats.failures++
      stats.lastError = (err as Error).message
      stats.lastErrorAt = this.deps.now()
      if (job.attempts >= retry.attempts) {
        stats.givenUp++
        this.remove(channel, job)
        this.deps.log.error({ channel, what: job.what, attempts: job.attempts, reason: stats.lastError }, 'delivery given up')
      } else {
        const backoff = Math.min(retry.maxBackoffMs, retry.minBackoffMs * 2 ** (job.attempts - 1))
        job.dueAt = Date.now() + backoff
        this.deps.log.warn({ channel, what: job.what, attempts: job.attempts, retryInMs: backoff, reason: stats.lastError }, 'delivery failed; will retry')
      }
    }
  }

  private remove(channel: Channel, job: Job): void {
    const q = this.queues[channel]
    const i = q.indexOf(job)
    if (i >= 0) q.splice(i, 1)
  }
}

function emptyStats(): ChannelStats {
  return { sent: 0, failures: 0, givenUp: 0, dropped: 0, lastError: null, lastErrorAt: null }
}
