/**
 * The box's durable queue of presses not yet acknowledged by the gateway. A press is written
 * (and fsync'ed) before its LED lights up and before it is sent, and leaves the queue only
 * when the link reports the gateway's acknowledgement, so neither a cable pull, a broker
 * restart nor a kill -9 of the host process loses a press (DESIGN.md, "Device layer").
 *
 * File format: JSON lines, append-only. `{"t":"p",...press}` adds a press, `{"t":"a","boot",
 * "seq"}` acknowledges one. Acks are not fsync'ed: losing one only makes the press be sent
 * again, which the gateway deduplicates on (boxId, boot, seq). A torn last line (power cut
 * mid-write) is skipped. The file is rewritten with only the pending presses when it opens
 * and whenever it has grown well past them.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, ftruncateSync } from 'node:fs'
import { dirname } from 'node:path'
import { isRating, type Rating } from '../protocol/index.ts'
import type { HostTime } from './host-clock.ts'

export interface QueuedPress {
  boot: string
  seq: number
  rating: Rating
  repeat: boolean
  /** The rating window open when the citizen pressed, and its case reference (issue 13). */
  window?: string
  reference?: string
  /** Host clocks at the moment of the press, to compute ageMs later (host-clock.ts). */
  at: HostTime
}

const key = (boot: string, seq: number): string => `${boot}/${seq}`
const COMPACT_MIN_LINES = 1000

export class PressQueue {
  private fd: number | null = null
  private readonly pending = new Map<string, QueuedPress>()
  private lines = 0
  /** Lines in the file that could not be read when it was opened (torn writes). */
  skippedLines = 0

  constructor(private readonly file: string) {}

  get path(): string {
    return this.file
  }

  /** Reads what a previous run left and rewrites the file with only the pending presses. */
  open(): void {
    if (this.fd !== null) return
    // Folders made here are fsynced into their parents: a power cut must not take the queue's
    // file away with a folder the disk never recorded (found on test/powerloss's filesystem).
    const made = mkdirSync(dirname(this.file), { recursive: true })
    for (let d = dirname(this.file); made !== undefined; d = dirname(d)) {
      syncDir(dirname(d))
      if (d === made) break
    }
    let text = ''
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`press queue ${this.file}: cannot read: ${(err as Error).message}`)
      }
    }
    this.pending.clear()
    this.skippedLines = 0
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      const rec = parse(line)
      if (!rec) {
        this.skippedLines++
        continue
      }
      if (rec.t === 'p') this.pending.set(key(rec.press.boot, rec.press.seq), rec.press)
      else this.pending.delete(key(rec.boot, rec.seq))
    }
    this.rewrite()
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }

  get size(): number {
    return this.pending.size
  }

  /** Pending presses, oldest first. */
  list(): QueuedPress[] {
    return [...this.pending.values()]
  }

  has(boot: string, seq: number): boolean {
    return this.pending.has(key(boot, seq))
  }

  /** Adds a press durably: returns only once it is on disk. */
  add(press: QueuedPress): void {
    const fd = this.requireOpen()
    writeSync(fd, JSON.stringify({ t: 'p', ...press }) + '\n')
    fsyncSync(fd)
    this.lines++
    this.pending.set(key(press.boot, press.seq), press)
  }

  /** Drops an acknowledged press. */
  remove(boot: string, seq: number): void {
    const fd = this.requireOpen()
    if (!this.pending.delete(key(boot, seq))) return
    writeSync(fd, JSON.stringify({ t: 'a', boot, seq }) + '\n')
    this.lines++
    if (this.pending.size === 0 && this.lines >= COMPACT_MIN_LINES) {
      ftruncateSync(fd, 0)
      fsyncSync(fd)
      this.lines = 0
    } else if (this.lines >= COMPACT_MIN_LINES && this.lines > 4 * this.pending.size) {
      this.rewrite()
    }
  }

  private requireOpen(): number {
    if (this.fd === null) throw new Error(`press queue ${this.file} is not open`)
    return this.fd
  }

  /** Writes the pending presses to a new file and swaps it in atomically. */
  private rewrite(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    const temp = `${this.file}.tmp`
    const tfd = openSync(temp, 'w')
    try {
      const body = this.list()
        .map((p) => JSON.stringify({ t: 'p', ...p }) + '\n')
        .join('')
      if (body) writeSync(tfd, body)
      fsyncSync(tfd)
    } finally {
      closeSync(tfd)
    }
    renameSync(temp, this.file)
    syncDir(dirname(this.file))
    this.fd = openSync(this.file, 'a')
    this.lines = this.pending.size
  }
}

type Rec = { t: 'p'; press: QueuedPress } | { t: 'a'; boot: string; seq: number }

function parse(line: string): Rec | null {
  let v: Record<string, unknown>
  try {
    v = JSON.parse(line) as Record<string, unknown>
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null || typeof v.boot !== 'string' || !Number.isSafeInteger(v.seq)) return null
  if (v.t === 'a') return { t: 'a', boot: v.boot, seq: v.seq as number }
  const at = v.at as HostTime | undefined
  if (v.t !== 'p' || !isRating(v.rating) || !at || typeof at.wallMs !== 'number' || typeof at.monoMs !== 'number') {
    return null
  }
  return {
    t: 'p',
    press: {
      boot: v.boot,
      seq: v.seq as number,
      rating: v.rating as Rating,
      repeat: v.repeat === true,
      at: { wallMs: at.wallMs, monoMs: at.monoMs, hostBoot: typeof at.hostBoot === 'string' ? at.hostBoot : null },
      ...(typeof v.window === 'string' ? { window: v.window } : {}),
      ...(typeof v.reference === 'string' ? { reference: v.reference } : {}),
    },
  }
}

/** fsync of the directory makes a rename durable (POSIX); not possible on every platform. */
function syncDir(dir: string): void {
  let fd: number | null = null
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Windows cannot open a directory: the rename is as durable as the OS makes it.
  } finally {
    if (fd !== null) closeSync(fd)
  }
}
