/**
 * Keeps each box's retained `config` topic true (DESIGN.md contract): cooldown, feedback time,
 * counter name and the officer on duty now. Republished when the registry changes and, since
 * shifts start and end with no event, checked every `intervalMs`; only changes are sent.
 */
import { configTopic, encode, type ConfigPayload } from '../protocol/index.ts'
import type { Attributor } from './attribution.ts'
import { systemClock, type Clock } from './clock.ts'
import type { GatewayConfig } from './config.ts'
import type { GatewayBus } from './events.ts'
import type { Logger } from './log.ts'
import type { Registry } from './registry.ts'

export interface ConfigPublisherDeps {
  registry: Registry
  attributor: Attributor
  bus: GatewayBus
  publish: (topic: string, payload: Buffer, opts: { retain: boolean }) => Promise<void>
  config: GatewayConfig['ingest']
  log: Logger
  intervalMs?: number
  now?: Clock
}

export class ConfigPublisher {
  private readonly published = new Map<string, string>()
  /** In-process boxes (USB) that get their config as a callback instead of over MQTT. */
  private readonly watchers = new Map<string, Set<(payload: Buffer) => void>>()
  private timer?: NodeJS.Timeout
  private unsubscribe?: () => void
  private scheduled = false

  constructor(private readonly deps: ConfigPublisherDeps) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.on('registryChanged', 'config-publisher', () => this.schedule())
    this.timer = setInterval(() => this.schedule(), this.deps.intervalMs ?? 30_000)
    this.timer.unref()
    await this.refresh()
  }

  stop(): void {
    this.unsubscribe?.()
    clearInterval(this.timer)
  }

  /**
   * Calls `onConfig` with the box's config now and whenever it changes (duty, moves, shift
   * boundaries), exactly when the retained MQTT topic changes. Returns the unsubscribe.
   */
  watch(boxId: string, onConfig: (payload: Buffer) => void): () => void {
    const set = this.watchers.get(boxId) ?? new Set()
    set.add(onConfig)
    this.watchers.set(boxId, set)
    onConfig(encode('config', this.configFor(boxId)))
    return () => set.delete(onConfig)
  }

  /** The config a box should have now. */
  configFor(boxId: string, at = (this.deps.now ?? systemClock)()): ConfigPayload {
    const { registry, attributor, config } = this.deps
    const counterId = registry.counterOfBox(boxId, at)
    const counter = counterId ? registry.counter(counterId) : undefined
    const officerId = counterId ? attributor.officerAt(counterId, at) : null
    const officer = officerId ? registry.officer(officerId) : undefined
    return { cooldownMs: config.cooldownMs, feedbackMs: config.feedbackMs, counter: counter?.name ?? null, officer: officer?.name ?? null }
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.refresh().catch((err) => this.deps.log.error({ err }, 'publishing box configs failed'))
    })
  }

  /** Publishes every box config that differs from what was last published. */
  async refresh(): Promise<void> {
    const now = (this.deps.now ?? systemClock)()
    const sends: Array<Promise<void>> = []
    for (const box of this.deps.registry.boxes()) {
      if (box.retiredAt !== null) continue
      const payload = encode('config', this.configFor(box.id, now))
      const text = payload.toString()
      if (this.published.get(box.id) === text) continue
      this.published.set(box.id, text)
      for (const onConfig of this.watchers.get(box.id) ?? []) {
        try {
          onConfig(payload)
        } catch (err) {
          this.deps.log.error({ err, box: box.id }, 'in-process config watcher failed')
        }
      }
      sends.push(
        this.deps.publish(configTopic(box.id), payload, { retain: true }).catch((err) => {
          this.published.delete(box.id)
          this.deps.log.warn({ err, box: box.id }, 'config publish failed; will retry')
        }),
      )
    }
    await Promise.all(sends)
  }
}
