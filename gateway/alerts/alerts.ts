/**
 * The alerts service (DESIGN.md, "Alerts"): evaluates the rules (rules.ts) against the store
 * (conditions.ts) on demand, again shortly after each relevant event, and every 15 s (windows
 * slide and office hours begin without any event); keeps the record of alerts raised,
 * acknowledged and resolved (history.ts); tells the dashboards when the list changes and the
 * deliveries (delivery.ts) when an alert is raised, acknowledged or resolved.
 */
import { recordAudit } from '../audit.ts'
import type { Db } from '../store/database.ts'
import type { GatewayBus } from '../events.ts'
import type { Logger } from '../log.ts'
import type { Clock } from '../clock.ts'
import { bursts, frowns, offlineBoxes, rejected, type Condition, type SystemAlert } from './conditions.ts'
import { AlertHistory, type AlertEventKind, type AlertRecord, type AlertState } from './history.ts'
import { tampering } from './tampering.ts'
import { effectiveRules, saveRules, type AlertRules, type AlertRulesPatch } from './rules.ts'

export type { Condition, SystemAlert } from './conditions.ts'
export type { AlertRecord, AlertState } from './history.ts'

/** A condition that holds now, with the alert it raised (what the live view shows). */
export type Alert = Condition & { id: number; state: AlertState; raisedAt: number }

export interface AlertTransition {
  event: AlertEventKind
  alert: AlertRecord
}

export interface AlertsDeps {
  db: Db
  bus: GatewayBus
  timezone: string
  log: Logger
  /** The rules of the config file (`alerts:`); the dashboard may override them. */
  rules: AlertRules
  now?: Clock
  /** The gateway's own conditions (Gateway.systemAlerts). */
  system?: () => SystemAlert[]
  /** The officer on duty at a counter (attribution), named in a box-offline alert. */
  officerAt?: (counterId: string, at: number) => string | null
}

const EVALUATE_EVERY_MS = 15_000
const AFTER_EVENT_MS = 300
/**
 * An evaluation reads the last minutes' presses: a few rows in an office, millions in a flood
 * or a load test. The next one (after an event, or the periodic one) waits at least this many
 * times as long as the last took, so the alerts take at most about 2/(1 + LOAD_FACTOR) of the
 * gateway's time from ingest.
 */
const LOAD_FACTOR = 20

export class Alerts {
  readonly name = 'alerts'
  readonly history: AlertHistory
  private timer: NodeJS.Timeout | undefined
  private soon: NodeJS.Timeout | undefined
  private last = '[]'
  /** How long the last evaluation took (ms). */
  private lastTookMs = 0
  private current: Alert[] = []
  private readonly unsubscribe: Array<() => void> = []
  private readonly listeners = new Set<(alerts: Alert[]) => void>()
  private readonly transitions = new Set<(t: AlertTransition) => void>()

  constructor(private readonly deps: AlertsDeps) {
    this.history = new AlertHistory(deps.db)
  }

  start(): void {
    const { bus } = this.deps
    this.unsubscribe.push(
      bus.on('press', 'alerts', (p) => {
        // A frown, a burst, and a press with no window or nobody on duty (it may complete a
        // tampering signal) can each raise an alert.
        if (((p.rating === 'negative' || p.rating === 'very-negative') && !p.repeat) || p.burst || p.noWindow || p.officerId === null) this.evaluateSoon()
      }),
      bus.on('boxStatus', 'alerts', () => this.evaluateSoon()),
      bus.on('rejected', 'alerts', () => this.evaluateSoon()),
      bus.on('registryChanged', 'alerts', () => this.evaluateSoon()),
    )
    this.refresh()
    this.every()
  }

  /** The periodic evaluation, spaced like the ones after events when evaluations are slow. */
  private every(): void {
    this.timer = setTimeout(
      () => {
        this.refresh()
        this.every()
      },
      Math.max(EVALUATE_EVERY_MS, LOAD_FACTOR * this.lastTookMs),
    )
    this.timer.unref()
  }

  stop(): void {
    clearTimeout(this.timer)
    clearTimeout(this.soon)
    this.timer = this.soon = undefined
    for (const u of this.unsubscribe.splice(0)) u()
    this.listeners.clear()
    this.transitions.clear()
  }

  /** Called with the whole list whenever it changes. Returns an unsubscribe function. */
  onChange(fn: (alerts: Alert[]) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Called when an alert is raised, acknowledged or resolved (deliveries). */
  onTransition(fn: (t: AlertTransition) => void): () => void {
    this.transitions.add(fn)
    return () => this.transitions.delete(fn)
  }

  /** The alerts as of the last evaluation (AFTER_EVENT_MS after an event; later while evaluations are slow). */
  list(officeId: string | null = null): Alert[] {
    return officeId ? this.current.filter((a) => a.officeId === officeId) : this.current
  }

  settings(): AlertRules {
    return effectiveRules(this.deps.db, this.deps.rules)
  }

  saveSettings(patch: AlertRulesPatch): AlertRules {
    const saved = saveRules(this.deps.db, this.deps.rules, patch, this.now())
    this.refresh()
    return saved
  }

  /**
   * A named user acknowledges an alert with a comment (history.ts says which may be); the
   * acknowledgement and its audit entry commit together, from where the user acted.
   */
  acknowledge(id: number, by: { user: string; comment: string; source?: string }): AlertRecord {
    const at = this.now()
    const alert = this.deps.db.transaction(() => {
      const acked = this.history.acknowledge(id, { user: by.user, comment: by.comment, at })
      recordAudit(this.deps.db, {
        actor: by.user,
        source: by.source ?? 'gateway',
        action: 'alert.acknowledged',
        subject: `alert:${acked.id}`,
        officeId: acked.officeId,
        counterId: 'counterId' in acked ? acked.counterId : null,
        officerId: 'officerId' in acked ? (acked.officerId ?? null) : null,
        details: { kind: acked.kind, comment: by.comment },
        at,
      })
      return acked
    })()
    this.emit({ event: 'acknowledged', alert })
    this.refresh()
    return alert
  }

  /** Re-evaluates now, records what was raised and resolved, tells the listeners. */
  refresh(): Alert[] {
    const started = performance.now()
    try {
      const now = this.now()
      const conditions = this.evaluate(now)
      const { raised, resolved } = this.history.sync(conditions, now)
      const alerts = conditions.map((c) => {
        const a = this.history.activeOf(c)!
        return { ...c, id: a.id, state: a.state, raisedAt: a.raisedAt }
      })
      const json = JSON.stringify(alerts)
      this.current = alerts
      if (json !== this.last) {
        this.last = json
        for (const fn of this.listeners) fn(alerts)
      }
      for (const alert of raised) this.emit({ event: 'raised', alert })
      for (const alert of resolved) this.emit({ event: 'resolved', alert })
    } catch (err) {
      this.deps.log.error({ err }, 'alert evaluation failed')
    }
    this.lastTookMs = performance.now() - started
    return this.current
  }

  evaluate(now: number): Condition[] {
    const r = this.settings()
    const deps = { db: this.deps.db, timezone: this.deps.timezone, officerAt: this.deps.officerAt }
    return [
      ...(r.system ? (this.deps.system?.() ?? []) : []),
      ...frowns(deps, now, r),
      ...offlineBoxes(deps, now, r),
      ...rejected(deps, now, r),
      ...bursts(deps, now, r),
      ...tampering(deps, now, r),
    ]
  }

  private emit(t: AlertTransition): void {
    for (const fn of this.transitions) {
      // A delivery that throws must not keep the others (or the dashboard) from hearing.
      try {
        fn(t)
      } catch (err) {
        this.deps.log.error({ err, alert: t.alert.id }, 'alert listener failed')
      }
    }
  }

  private evaluateSoon(): void {
    if (this.soon) return
    this.soon = setTimeout(
      () => {
        this.soon = undefined
        this.refresh()
      },
      Math.max(AFTER_EVENT_MS, LOAD_FACTOR * this.lastTookMs),
    )
  }

  private now(): number {
    return (this.deps.now ?? Date.now)()
  }
}
