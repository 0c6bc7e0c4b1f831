/**
 * Aedes's in-memory persistence, with retained messages kept by exact topic.
 *
 * Every box subscribes to its own config topic, which has no wildcard; the stock memory
 * persistence answers each subscription by testing every retained message against it (one
 * retained status and one retained config per box), so connecting N boxes costs O(N²). Exact
 * topics are looked up directly here; a wildcard subscription tests every retained message,
 * as the stock one does. The retained messages are kept here only, not also in the stock
 * store: one copy of each box's config and status instead of two (issue 14's idle memory).
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
  topic: string
  payload: Buffer
}

interface AsyncMemory {
  storeRetained(pkt: RetainedPacket): Promise<void>
  createRetainedStream(pattern: string): Readable
  createRetainedStreamCombi(patterns: string[]): Readable
}

const isExact = (pattern: string) => !pattern.includes('+') && !pattern.includes('#')

class ExactRetainedMemory extends MemoryPersistence {
  private readonly exact = new Map<string, RetainedPacket>()

  override async storeRetained(pkt: RetainedPacket): Promise<void> {
    // MQTT-3.3.1-10: an empty retained payload removes the retained message.
    if (pkt.payload.length === 0) this.exact.delete(pkt.topic)
    else this.exact.set(pkt.topic, { ...pkt })
  }

  override createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern])
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(patterns.flatMap((p) => (isExact(p) ? this.exactly(p) : this.matching(p))))
  }

  private exactly(topic: string): RetainedPacket[] {
    const packet = this.exact.get(topic)
    return packet ? [packet] : []
  }

  private matching(pattern: string): RetainedPacket[] {
    const matcher = new QlobberTrue(QLOBBER_OPTIONS)
    matcher.add(pattern)
    return [...this.exact.values()].filter((p) => matcher.test(p.topic))
  }
}

/** The persistence to give Aedes (`persistence:` option). */
export function exactRetainedPersistence(): unknown {
  return new CallBackPersistence((opts) => new ExactRetainedMemory(opts))
}
