/**
 * Keeps each box's retained `config` topic true (DESIGN.md contract): cooldown, feedback time,
 * counter name and the officer on duty now. Only changes are sent.
 *
 * The publisher is itself the keeper of the retained configs (a `RetainedSource` the broker
 * asks when a box subscribes), and it keeps them only for the boxes that follow them: a box
 * that subscribed to its config and is still connected, or an in-process (USB) box watching
 * it. A box's config is computed when it subscribes, held as text, once, and a change is
 * published to it without the broker retaining a second copy. A provisioned box that is not
 * connected costs nothing: nights, weekends, a centre whose boxes are switched off (issue 14:
 * 10,000 provisioned boxes cost an idle gateway 7 MiB when every config was computed at start).
 *
 * A registry change recomputes the boxes it concerns (config-scope.ts): a duty or shift
 * change or a rename at a counter, the boxes standing there; an officer's sign-in or rename,
 * also the boxes showing that officer now (a sign-in elsewhere ends their session here); a
 * box provisioned, moved or retired, that box. Shifts start and end with no event, so every
 * `intervalMs` a sweep recomputes the boxes whose counter had a shift or session boundary
 * since the last sweep. A change made by another process (`external`), or an event that
 * does not say what it concerns, recomputes every box followed. The sweep also forgets the
 * boxes no longer connected; one that connects again gets its config anew at its SUBSCRIBE
 * (or, resuming a persistent session, which needs none, when the broker says so).
 */
import { configTopic, encode, encodeText, parseTopic, type ConfigPayload } from '../protocol/index.ts'
import type { Attributor } from './attribution.ts'
import { systemClock, type Clock } from './clock.ts'
import type { GatewayConfig } from './config.ts'
import { ConfigScope } from './config-scope.ts'
import type { GatewayBus, RegistryChange } from './events.ts'
import type { Logger } from './log.ts'
import type { Registry } from './registry.ts'
import type { RetainedSource } from './retained-index.ts'
import type { Db } from './store/database.ts'

export interface ConfigPublisherDeps {
  db: Db
  registry: Registry
  attributor: Attributor
  bus: GatewayBus
  publish: (topic: string, payload: Buffer, opts: { retain: boolean }) => Promise<void>
  /** Whether a box has an MQTT connection now (the broker's); without it, boxes are never forgotten. */
  connected?: (boxId: string) => boolean
  config: GatewayConfig['ingest']
  log: Logger
  intervalMs?: number
  now?: Clock
}

/** What to recompute at the next pass. */
interface Pending {
  all: boolean
  boxes: Set<string>
  counters: Set<string>
  officers: Set<string>
}

/** What a box config shows of its counter. */
interface CounterView {
  name: string | null
  officerId: string | null
  officerName: string | null
}

const nothingPending = (): Pending => ({ all: false, boxes: new Set(), counters: new Set(), officers: new Set() })

export class ConfigPublisher implements RetainedSource {
  /**
   * The boxes followed, each with its config as last published, as JSON text: the retained
   * message of its config topic (text, not a Buffer: a Buffer object alone is about the size
   * of the text).
   */
  private readonly published = new Map<string, string>()
  /** Boxes whose last change could not be sent to their subscribers: sent again at the next pass. */
  private readonly unsent = new Set<string>()
  /** The officer each box's published config names: whom a rename or a sign-in elsewhere concerns. */
  private readonly shownOfficer = new Map<string, string>()
  /** In-process boxes (USB) that get their config as a callback instead of over MQTT. */
  private readonly watchers = new Map<string, Set<(payload: Buffer) => void>>()
  private readonly scope: ConfigScope
  private readonly now: Clock
  private timer?: NodeJS.Timeout
  private unsubscribe?: () => void
  private pending = nothingPending()
  private scheduled = false
  private lastSweepAt = 0

  constructor(private readonly deps: ConfigPublisherDeps) {
    this.scope = new ConfigScope(deps.db, deps.registry.timezone)
    this.now = deps.now ?? systemClock
  }

  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.on('registryChanged', 'config-publisher', (change) => this.concern(change))
    this.timer = setInterval(() => this.sweep(), this.deps.intervalMs ?? 30_000)
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
    const text = this.follow(boxId)
    onConfig(text === undefined ? encode('config', this.configFor(boxId)) : Buffer.from(text))
    return () => set.delete(onConfig)
  }

  /** The retained message of a box's config topic (asked when something subscribes to it): the box is followed from then on. */
  retained(topic: string): Buffer | undefined {
    const parsed = parseTopic(topic)
    const text = parsed?.kind === 'config' ? this.follow(parsed.boxId) : undefined
    return text === undefined ? undefined : Buffer.from(text)
  }

  /** A box back in a persistent session is still subscribed: it is followed again. */
  sessionResumed(boxId: string): void {
    this.follow(boxId)
  }

  /** Every box in service has a config (a wildcard subscriber is sent them all, and follows them). */
  *retainedTopics(): Iterable<string> {
    for (const box of this.deps.registry.boxes()) if (box.retiredAt === null) yield configTopic(box.id)
  }

  /** The config a box should have now. */
  configFor(boxId: string, at = this.now()): ConfigPayload {
    return this.resolve(boxId, at).config
  }

  /** Publishes every followed box's config that differs from what was last published. */
  async refresh(): Promise<void> {
    const now = this.now()
    this.lastSweepAt = now
    if (this.published.size === 0) return // no box follows its config (and the registry is not read)
    const inService = new Set(this.deps.registry.boxes().filter((b) => b.retiredAt === null).map((b) => b.id))
    for (const boxId of this.published.keys()) if (!inService.has(boxId)) this.forget(boxId)
    await this.publishChanged([...this.published.keys()], now)
  }

  /**
   * Follows a box from now on (its config computed once and kept) and returns its config
   * text; undefined for a box not in service (unknown or retired), which has no config.
   */
  private follow(boxId: string): string | undefined {
    const known = this.published.get(boxId)
    if (known !== undefined) return known
    if (!this.scope.isActive(boxId)) return undefined
    const { config, officerId } = this.resolve(boxId, this.now())
    const text = encodeText('config', config)
    this.published.set(boxId, text)
    if (officerId) this.shownOfficer.set(boxId, officerId)
    return text
  }

  private forget(boxId: string): void {
    this.published.delete(boxId)
    this.shownOfficer.delete(boxId)
    this.unsent.delete(boxId)
  }

  /**
   * A box's config at `at` and the officer it names. `counters` memoises what a pass already
   * looked up per counter (its name and who is on duty), so a pass costs one read per box.
   */
  private resolve(boxId: string, at: number, counters = new Map<string, CounterView>()): { config: ConfigPayload; officerId: string | null } {
    const { registry, attributor, config } = this.deps
    const counterId = registry.counterOfBox(boxId, at)
    let view: CounterView = { name: null, officerId: null, officerName: null }
    if (counterId) {
      const known = counters.get(counterId)
      if (known) view = known
      else {
        const officerId = attributor.officerAt(counterId, at)
        const officer = officerId ? registry.officer(officerId) : undefined
        view = { name: registry.counter(counterId)?.name ?? null, officerId: officer ? officer.id : null, officerName: officer?.name ?? null }
        counters.set(counterId, view)
      }
    }
    return {
      config: { cooldownMs: config.cooldownMs, feedbackMs: config.feedbackMs, counter: view.name, officer: view.officerName },
      officerId: view.officerId,
    }
  }

  /** Notes which boxes a registry change concerns; they are recomputed together right after. */
  private concern(change: RegistryChange): void {
    const p = this.pending
    const { counterId, boxId, officerId } = change
    switch (change.kind) {
      case 'office':
        break // a box's config names no office
      case 'counter':
      case 'shift':
        if (counterId) p.counters.add(counterId)
        else p.all = true
        break
      case 'duty':
        if (counterId) p.counters.add(counterId)
        if (officerId) p.officers.add(officerId)
        if (!counterId && !officerId) p.all = true
        break
      case 'officer':
        if (officerId) p.officers.add(officerId)
        else p.all = true
        break
      case 'box':
      case 'assignment':
        // A move concerns the box moved, not the others at either counter.
        if (boxId) p.boxes.add(boxId)
        else p.all = true
        break
      default:
        p.all = true // 'external': another process committed, it could be anything
    }
    this.schedule()
  }

  /** The periodic pass: boxes at counters whose shift or duty session began or ended since the last one. */
  private sweep(): void {
    const { connected } = this.deps
    if (connected) for (const boxId of this.published.keys()) if (!connected(boxId) && !this.watchers.get(boxId)?.size) this.forget(boxId)
    const now = this.now()
    const boxes = this.scope.changedBetween(this.lastSweepAt, now)
    this.lastSweepAt = now
    if (boxes === null) this.pending.all = true
    else for (const b of boxes) this.pending.boxes.add(b)
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      const p = this.pending
      this.pending = nothingPending()
      this.pass(p).catch((err) => this.deps.log.error({ err }, 'publishing box configs failed'))
    })
  }

  private async pass(p: Pending): Promise<void> {
    if (p.all) return this.refresh()
    const now = this.now()
    const ids = new Set<string>()
    for (const id of p.boxes) {
      if (!this.published.has(id)) continue
      if (this.scope.isActive(id)) ids.add(id)
      else this.forget(id) // retired: it has no config any more
    }
    for (const counterId of p.counters) for (const id of this.scope.boxesAt(counterId, now)) if (this.published.has(id)) ids.add(id)
    if (p.officers.size > 0) {
      for (const [id, officerId] of this.shownOfficer) if (p.officers.has(officerId)) ids.add(id)
    }
    await this.publishChanged([...ids], now)
  }

  private async publishChanged(boxIds: string[], now: number): Promise<void> {
    const sends: Array<Promise<void>> = []
    const counters = new Map<string, CounterView>()
    for (const boxId of boxIds) {
      const { config, officerId } = this.resolve(boxId, now, counters)
      if (officerId) this.shownOfficer.set(boxId, officerId)
      else this.shownOfficer.delete(boxId)
      const text = encodeText('config', config)
      if (this.published.get(boxId) === text && !this.unsent.has(boxId)) continue
      // From here on a box that subscribes gets the new config (retained(), above).
      this.published.set(boxId, text)
      this.unsent.delete(boxId)
      const payload = Buffer.from(text)
      for (const onConfig of this.watchers.get(boxId) ?? []) {
        try {
          onConfig(payload)
        } catch (err) {
          this.deps.log.error({ err, box: boxId }, 'in-process config watcher failed')
        }
      }
      sends.push(
        this.deps.publish(configTopic(boxId), payload, { retain: false }).catch((err) => {
          this.unsent.add(boxId)
          this.deps.log.warn({ err, box: boxId }, 'config publish failed; will retry')
        }),
      )
    }
    await Promise.all(sends)
  }
}
