/**
 * Aedes's in-memory persistence, with retained messages also indexed by exact topic.
 *
 * Every box subscribes to its own config topic, which has no wildcard; the stock memory
 * persistence answers each subscription by testing every retained message against it (one
 * retained status and one retained config per box), so connecting N boxes costs O(N²). Exact
 * topics are looked up directly here; wildcard subscriptions still take the stock path.
 */
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'

const require = createRequire(import.meta.url)
// CommonJS internals of aedes-persistence (the same version Aedes itself uses).
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new (opts?: object) => AsyncMemory
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: object) => AsyncMemory, opts?: object) => unknown
}

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
    await super.storeRetained(pkt)
    // MQTT-3.3.1-10: an empty retained payload removes the retained message.
    if (pkt.payload.length === 0) this.exact.delete(pkt.topic)
    else this.exact.set(pkt.topic, { ...pkt })
  }

  override createRetainedStream(pattern: string): Readable {
    return isExact(pattern) ? Readable.from(this.lookup([pattern])) : super.createRetainedStream(pattern)
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    return patterns.every(isExact) ? Readable.from(this.lookup(patterns)) : super.createRetainedStreamCombi(patterns)
  }

  private lookup(patterns: string[]): RetainedPacket[] {
    return patterns.flatMap((p) => {
      const packet = this.exact.get(p)
      return packet ? [packet] : []
    })
  }
}

/** The persistence to give Aedes (`persistence:` option). */
export function exactRetainedPersistence(): unknown {
  return new CallBackPersistence((opts) => new ExactRetainedMemory(opts))
}
