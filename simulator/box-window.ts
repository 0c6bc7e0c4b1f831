/**
 * A virtual box's rating window (issue 13), as a real box keeps it: the retained window topic
 * says whether a window is open at the box's counter; the first press after it opened carries
 * its id and reference and ends it; a closed state, or its time passed since it arrived, ends
 * it too. Kept apart from virtual-box.ts, which only feeds it messages and asks it at a press.
 */
import { performance } from 'node:perf_hooks'
import { decode } from '../protocol/index.ts'

export interface OpenWindow {
  id: string
  reference: string | null
  /** performance.now() after which the box stops showing it. */
  until: number
}

export class BoxWindow {
  private current: OpenWindow | null = null
  /** Windows shown since start, and the ones a press rated. */
  readonly counts = { shown: 0, pressed: 0 }

  /** The window topic's payload arrived. Returns an error text for an invalid one. */
  update(payload: Buffer): string | null {
    const r = decode('window', payload)
    if (!r.ok) return `${r.error.field}: ${r.error.problem}`
    const w = r.value
    if (w.open && w.id) {
      if (this.current?.id !== w.id) this.counts.shown++
      this.current = { id: w.id, reference: w.reference, until: performance.now() + (w.timeoutMs ?? 60_000) }
    } else if (!w.open && (w.id === null || this.current?.id === w.id)) this.current = null
    return null
  }

  /** The window open now, if any (not ended). */
  get open(): OpenWindow | null {
    if (this.current && performance.now() > this.current.until) this.current = null
    return this.current
  }

  /** A press: the open window's fields for the payload, and the window ends. */
  take(): { window: string; reference?: string } | null {
    const w = this.open
    if (!w) return null
    this.current = null
    this.counts.pressed++
    return { window: w.id, ...(w.reference ? { reference: w.reference } : {}) }
  }
}
