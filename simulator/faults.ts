/**
 * Faults on demand, for the CLI (flags, keystrokes) and for tests (this API): links dropped and
 * restored, broker connections killed (the box reconnects by itself), duplicate sends, garbage
 * payloads, late delivery (a large `ageMs`) and press floods. One-shot actions act now; the
 * plan (rates per press) and the periodic link faults stay on until switched off.
 *
 * Every fault keeps the books exact: duplicates and resends must not be counted twice by the
 * gateway, garbage must show up in its rejected table, floods must show up as repeats.
 */
import { randomBytes } from 'node:crypto'
import { RATINGS, type Rating } from '../protocol/index.ts'
import type { VirtualBox } from './virtual-box.ts'

export const GARBAGE_KINDS = ['not-json', 'wrong-schema', 'unknown-rating', 'oversize'] as const
export type GarbageKind = (typeof GARBAGE_KINDS)[number]

export interface FaultPlan {
  /** Share of presses whose first transmission is published twice. */
  duplicateRate: number
  /** Share of presses sent as if they happened `lateMs` ago. */
  lateRate: number
  lateMs: number
  /** Per press, the chance that the box also sends one garbage message. */
  garbageRate: number
  /** Per press, the chance that the citizen keeps pressing `floodBurst` more times at once. */
  floodRate: number
  floodBurst: number
  /** Every `everyMs`, cut the links of `fraction` of the boxes for `downMs`. */
  linkFlap: { fraction: number; everyMs: number; downMs: number } | null
  /** Every `everyMs`, kill the broker connection of `fraction` of the boxes (they reconnect). */
  kill: { fraction: number; everyMs: number } | null
}

export const NO_FAULTS: FaultPlan = {
  duplicateRate: 0,
  lateRate: 0,
  lateMs: 3 * 3_600_000,
  garbageRate: 0,
  floodRate: 0,
  floodBurst: 5,
  linkFlap: null,
  kill: null,
}

/** Bytes a broken or hostile box might send on its press topic. */
export function garbagePayload(kind: GarbageKind, seq: number): Buffer {
  switch (kind) {
    case 'not-json':
      return Buffer.from(`press ${seq} \u{1F642} <- not json`)
    case 'wrong-schema':
      return Buffer.from(JSON.stringify({ seq: String(seq), rating: 'positive' }))
    case 'unknown-rating':
      return Buffer.from(JSON.stringify({ seq, boot: 'garbage', rating: 'excellent', ageMs: 0 }))
    case 'oversize':
      return Buffer.from(
        JSON.stringify({
          seq,
          boot: 'garbage',
          rating: 'positive',
          ageMs: 0,
          pad: randomBytes(1024).toString('hex'),
        }),
      )
  }
}

/** `90`, `500ms`, `5s`, `2m`, `3h` -> ms (bare numbers are seconds). */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (try 500ms, 5s, 2m, 3h)`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] as number
  return Math.round(Number(m[1]) * unit)
}

function rate(text: string, name: string): number {
  const x = Number(text)
  if (!(x >= 0 && x <= 1))
    throw new Error(`${name}: expected a share between 0 and 1, got ${JSON.stringify(text)}`)
  return x
}

/**
 * Parses `--faults`: a comma-separated list of
 * `dup=R`, `late=R[:AGE]`, `garbage=R`, `flood=R[:BURST]`, `drop=F[:EVERY[:DOWN]]`, `kill=F[:EVERY]`
 * (R, F shares in 0..1; AGE, EVERY, DOWN durations such as 90s or 3h).
 */
export function parseFaults(spec: string): FaultPlan {
  const plan: FaultPlan = { ...NO_FAULTS }
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, value = ''] = item.split('=')
    const [a, b, c] = value.split(':')
    switch (name) {
      case 'dup':
      case 'duplicate':
        plan.duplicateRate = rate(a, name)
        break
      case 'late':
        plan.lateRate = rate(a, name)
        if (b) plan.lateMs = parseDuration(b)
        break
      case 'garbage':
        plan.garbageRate = rate(a, name)
        break
      case 'flood':
        plan.floodRate = rate(a, name)
        if (b) plan.floodBurst = Math.max(1, Math.floor(Number(b)))
        break
      case 'drop':
        plan.linkFlap = {
          fraction: rate(a, name),
          everyMs: b ? parseDuration(b) : 10_000,
          downMs: c ? parseDuration(c) : 5_000,
        }
        break
      case 'kill':
        plan.kill = { fraction: rate(a, name), everyMs: b ? parseDuration(b) : 10_000 }
        break
      default:
        throw new Error(
          `unknown fault ${JSON.stringify(name)}: use dup, late, garbage, flood, drop, kill`,
        )
    }
  }
  return plan
}

export interface FaultTarget {
  boxes(): VirtualBox[]
  random: () => number
  /** The levels a flood may press (the gateway's rating scale); default three. */
  levels?: readonly Rating[]
}

export class Faults {
  plan: FaultPlan = { ...NO_FAULTS }
  private flapTimer: NodeJS.Timeout | undefined
  private killTimer: NodeJS.Timeout | undefined
  private readonly restoreTimers = new Set<NodeJS.Timeout>()
  private garbageSeq = 0

  constructor(private readonly target: FaultTarget) {}

  /** Changes the plan; periodic link faults (re)start with it. */
  set(changes: Partial<FaultPlan>): void {
    this.plan = { ...this.plan, ...changes }
    this.schedule()
  }

  stop(): void {
    clearInterval(this.flapTimer)
    clearInterval(this.killTimer)
    for (const t of this.restoreTimers) clearTimeout(t)
    this.restoreTimers.clear()
    this.flapTimer = this.killTimer = undefined
  }

  /** Cuts the links of a share of the boxes (those whose link is up); returns their ids. */
  dropLinks(fraction: number): string[] {
    const chosen = this.pick(
      this.target.boxes().filter((b) => !b.isLinkDown),
      fraction,
    )
    for (const b of chosen) b.dropLink()
    return chosen.map((b) => b.boxId)
  }

  /** Restores the given links, or every dropped link. */
  restoreLinks(boxIds?: string[]): string[] {
    const ids = boxIds ? new Set(boxIds) : null
    const chosen = this.target.boxes().filter((b) => b.isLinkDown && (!ids || ids.has(b.boxId)))
    for (const b of chosen) b.restoreLink()
    return chosen.map((b) => b.boxId)
  }

  /** Kills the broker connection of a share of the connected boxes; they reconnect after their backoff. */
  killConnections(fraction: number): string[] {
    const chosen = this.pick(
      this.target.boxes().filter((b) => b.isConnected),
      fraction,
    )
    for (const b of chosen) b.killConnection()
    return chosen.map((b) => b.boxId)
  }

  /** Sends `count` garbage messages spread over random boxes, cycling through the kinds. */
  sendGarbage(count: number, kinds: readonly GarbageKind[] = GARBAGE_KINDS): number {
    const boxes = this.target.boxes()
    for (let i = 0; i < count; i++) {
      const box = boxes[Math.floor(this.target.random() * boxes.length)]
      box.sendRaw(garbagePayload(kinds[this.garbageSeq % kinds.length], ++this.garbageSeq))
    }
    return count
  }

  /** A share of the boxes each get `burst` presses at once: the first may count, the rest are repeats. */
  flood(fraction: number, burst = this.plan.floodBurst): number {
    const chosen = this.pick(this.target.boxes(), fraction)
    for (const box of chosen) {
      const levels = this.target.levels ?? RATINGS
      const rating = levels[Math.floor(this.target.random() * levels.length)]
      for (let i = 0; i < burst; i++) box.press(rating)
    }
    return chosen.length * burst
  }

  /**
   * What the plan does to one press, drawn per press: the options for the press itself and
   * what follows it (a flood burst, a garbage message).
   */
  draw(): {
    duplicate: boolean
    extraAgeMs: number
    floodBurst: number
    garbage: GarbageKind | null
  } {
    const p = this.plan
    const r = this.target.random
    return {
      duplicate: p.duplicateRate > 0 && r() < p.duplicateRate,
      extraAgeMs: p.lateRate > 0 && r() < p.lateRate ? p.lateMs : 0,
      floodBurst: p.floodRate > 0 && r() < p.floodRate ? p.floodBurst : 0,
      garbage:
        p.garbageRate > 0 && r() < p.garbageRate
          ? GARBAGE_KINDS[++this.garbageSeq % GARBAGE_KINDS.length]
          : null,
    }
  }

  nextGarbageSeq(): number {
    return ++this.garbageSeq
  }

  private schedule(): void {
    clearInterval(this.flapTimer)
    clearInterval(this.killTimer)
    this.flapTimer = this.killTimer = undefined
    const flap = this.plan.linkFlap
    if (flap && flap.fraction > 0) {
      this.flapTimer = setInterval(() => {
        const ids = this.dropLinks(flap.fraction)
        const t = setTimeout(() => {
          this.restoreTimers.delete(t)
          this.restoreLinks(ids)
        }, flap.downMs)
        this.restoreTimers.add(t)
      }, flap.everyMs)
    }
    const kill = this.plan.kill
    if (kill && kill.fraction > 0)
      this.killTimer = setInterval(() => this.killConnections(kill.fraction), kill.everyMs)
  }

  private pick<T>(items: T[], fraction: number): T[] {
    const n = Math.min(items.length, Math.round(items.length * fraction))
    const copy = [...items]
    // Partial Fisher-Yates with the seeded generator: the same seed picks the same boxes.
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.target.random() * (copy.length - i))
      ;[copy[i], copy[j]] = [copy[j], copy[i]]
    }
    return copy.slice(0, n)
  }
}
