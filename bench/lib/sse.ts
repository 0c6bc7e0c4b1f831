/**
 * A reader of the dashboard's live event stream (`GET /api/live/events`, server-sent
 * events), as the browser's EventSource would read it: it stamps each `presses` event on
 * arrival (epoch ms, comparable with the generator's send stamps) and counts the presses of
 * each box since `reset()`, so the k-th press of a box after a reset is its seq k.
 */
import { performance } from 'node:perf_hooks'

export interface LivePressSeen {
  boxId: string
  /** 1-based order of this box's presses since the last reset. */
  nth: number
  at: number
}

export class LiveStream {
  private readonly abort = new AbortController()
  private perBox = new Map<string, number>()
  private seen: LivePressSeen[] = []
  private reading: Promise<void> | null = null

  constructor(
    private readonly url: string,
    private readonly cookie: string,
  ) {}

  async start(): Promise<void> {
    const res = await fetch(this.url, { headers: { cookie: this.cookie, accept: 'text/event-stream' }, signal: this.abort.signal })
    if (!res.ok || !res.body) throw new Error(`live stream: HTTP ${res.status} ${await res.text()}`)
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    let buf = ''
    this.reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          const at = performance.timeOrigin + performance.now()
          buf += value
          let end: number
          while ((end = buf.indexOf('\n\n')) >= 0) {
            this.onEvent(buf.slice(0, end), at)
            buf = buf.slice(end + 2)
          }
        }
      } catch (err) {
        if (!this.abort.signal.aborted) throw err
      }
    })()
  }

  private onEvent(block: string, at: number): void {
    let event = 'message'
    let data = ''
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7)
      else if (line.startsWith('data: ')) data += line.slice(6)
    }
    if (event !== 'presses') return
    for (const p of JSON.parse(data) as Array<{ boxId: string }>) {
      const nth = (this.perBox.get(p.boxId) ?? 0) + 1
      this.perBox.set(p.boxId, nth)
      this.seen.push({ boxId: p.boxId, nth, at })
    }
  }

  /** Starts a new phase: counts restart, so seq 1 of a new boot matches the next press. */
  reset(): void {
    this.perBox = new Map()
    this.seen = []
  }

  take(): LivePressSeen[] {
    const out = this.seen
    this.seen = []
    return out
  }

  async stop(): Promise<void> {
    this.abort.abort()
    await this.reading?.catch(() => {})
  }
}
