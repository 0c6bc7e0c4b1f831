/**
 * Aedes's in-memory persistence, with retained messages kept by exact topic.
 *
 * Every box subscribes to its own config topic, which has no wildcard; the stock memory
 * persistence answers each subscription by testing every retained message against it (one
 * retained status and one retained config per box), so connecting N boxes costs O(N²). Exact
 * topics are looked up directly here; a wildcard subscription tests every retained message,
 * as the stock one does.
 *
 * Memory (issue 14): each retained message is kept once, as its payload and QoS, not as a
 * copy of the whole packet nor also in the stock store. And a part that already holds the
 * current message of a whole family of topics (the config publisher: every box's config) is
 * asked for it as a `RetainedSource` instead of the broker keeping a second copy: for 10,000
 * provisioned boxes that is megabytes of an idle gateway.
 */
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'

const require = createRequire(import.meta.url)
// CommonJS internals of aedes-persistence (the same version Aedes itself uses).
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new (opts?: object) => AsyncMemory
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: object) => AsyncMemory, opts?: object) => unknown
}
// The topic matcher aedes-persistence itself tests retained messages with (its own dependency).
const { QlobberTrue } = createRequire(require.resolve('aedes-persistence/asyncPersistence.js'))('qlobber') as {
  QlobberTrue: new (opts: object) => { add(pattern: string): void; test(topic: string): boolean }
}
const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/' }

interface RetainedPacket {
  cmd: 'publish'
  topic: string
  payload: Buffer
  qos: number
  retain: boolean
}

/** Retained messages held by their owner: the broker asks it rather than keeping a copy. */
export interface RetainedSource {
  /** The retained payload of `topic` (QoS 1), or undefined when the source holds none. */
  retained(topic: string): Buffer | undefined
  /** Every topic the source holds a retained payload for (wildcard subscriptions test them). */
  retainedTopics(): Iterable<string>
  /**
   * A box resumed a persistent session (CleanSession 0): its subscriptions came back without a
   * SUBSCRIBE, so `retained` was not asked; a source that serves only the boxes that asked
   * must serve this one too.
   */
  sessionResumed?(boxId: string): void
}

interface AsyncMemory {
  storeRetained(pkt: RetainedPacket): Promise<void>
  createRetainedStream(pattern: string): Readable
  createRetainedStreamCombi(patterns: string[]): Readable
}

const isExact = (pattern: string) => !pattern.includes('+') && !pattern.includes('#')

class ExactRetainedMemory extends MemoryPersistence {
  /** Payload and QoS by topic: what a subscriber is sent (Aedes builds the packet anew). */
  private readonly exact = new Map<string, { payload: Buffer; qos: number }>()

  constructor(
    opts: object,
    private readonly sources: readonly RetainedSource[],
  ) {
    super(opts)
  }

  override async storeRetained(pkt: RetainedPacket): Promise<void> {
    // MQTT-3.3.1-10: an empty retained payload removes the retained message.
    if (pkt.payload.length === 0) this.exact.delete(pkt.topic)
    else this.exact.set(pkt.topic, { payload: pkt.payload, qos: pkt.qos })
  }

  override createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern])
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(patterns.flatMap((p) => (isExact(p) ? this.exactly(p) : this.matching(p))))
  }

  private exactly(topic: string): RetainedPacket[] {
    const packet = this.packet(topic)
    return packet ? [packet] : []
  }

  private matching(pattern: string): RetainedPacket[] {
    const matcher = new QlobberTrue(QLOBBER_OPTIONS)
    matcher.add(pattern)
    const topics = new Set(this.exact.keys())
    for (const source of this.sources) for (const topic of source.retainedTopics()) topics.add(topic)
    return [...topics].filter((t) => matcher.test(t)).flatMap((t) => this.exactly(t))
  }

  /** A source's message wins over one stored here: the source is the owner of its topics. */
  private packet(topic: string): RetainedPacket | undefined {
    for (const source of this.sources) {
      const payload = source.retained(topic)
      if (payload) return { cmd: 'publish', topic, payload, qos: 1, retain: true }
    }
    const kept = this.exact.get(topic)
    return kept && { cmd: 'publish', topic, payload: kept.payload, qos: kept.qos, retain: true }
  }
}

/**
 * The persistence to give Aedes (`persistence:` option). `sources` may be added to later
 * (a source registers once the part that owns it has started).
 */
export function exactRetainedPersistence(sources: readonly RetainedSource[] = []): unknown {
  return new CallBackPersistence((opts) => new ExactRetainedMemory(opts, sources))
}
