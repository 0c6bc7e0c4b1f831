/**
 * The box's local queue across power cuts: a press the queue took (add() returned, so the
 * box lit its LED and reported it queued) is still queued after the power goes, whatever was
 * being written then — acknowledgements (not fsynced on purpose), a compaction, the first
 * file in a folder the queue itself created. A lost acknowledgement may bring a press back
 * (the gateway deduplicates it); a queued press never goes missing.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PressQueue } from '../../firmware/press-queue.ts'
import { mountVolatileFs, volatileFsUnavailable } from './volatile-fs.ts'

const unavailable = volatileFsUnavailable()
const at = { wallMs: 0, monoMs: 0, hostBoot: null }

describe.skipIf(unavailable !== null)(`press queue across power cuts${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('no queued press is lost over 20 power cuts, with acknowledgements and compactions between', async () => {
    const fs = await mountVolatileFs()
    // XDG_STATE_HOME/chamdiem/box-ID.jsonl on a fresh box: the queue makes the folders.
    const file = join(fs.dir, 'state', 'chamdiem', 'box-q1.jsonl')
    const queued = new Set<number>() // add() returned and no acknowledgement removed it
    const acked = new Set<number>()
    let seq = 0
    for (let cut = 0; cut < 20; cut++) {
      const q = new PressQueue(file)
      q.open()
      const back = new Set(q.list().map((p) => p.seq))
      const lost = [...queued].filter((s) => !back.has(s))
      expect(lost, `cut ${cut}: queued presses gone after the power cut`).toEqual([])
      // What comes back is queued or was acknowledged (an ack may be lost), nothing else.
      expect([...back].filter((s) => !queued.has(s) && !acked.has(s))).toEqual([])
      for (const s of back) queued.add(s)
      // The gateway acknowledges most of what is pending; new presses come in.
      const n = 50 + Math.floor(Math.random() * 1200)
      for (let i = 0; i < n; i++) {
        if (Math.random() < 0.6 || queued.size === 0) {
          q.add({ boot: 'b', seq: ++seq, rating: 'positive', repeat: false, at })
          queued.add(seq)
        } else {
          const s = [...queued][0]
          q.remove('b', s)
          queued.delete(s)
          acked.add(s)
        }
      }
      await fs.powerLoss({ tear: cut % 2 === 1, afterCut: () => q.close() })
    }
    expect(seq).toBeGreaterThan(500)
  })
})
