/**
 * One box, one identity. The contract (DESIGN.md, "The contract") makes a box's client id its
 * box id, so Aedes's session takeover (MQTT-3.1.4-2) leaves each box at most one connection.
 * This module holds the two rules the broker applies in `authenticate`, before Aedes
 * registers the client and so before it could close the box's current connection:
 *  - the client id must equal the box id (= username), or CONNACK 0x02 (MQTT-3.2.2.3,
 *    MQTT-3.1.3-9): a box's credentials cannot pose as, or disconnect, another box;
 *  - connections of one box that keep taking each other over (two clients with the same
 *    credentials, each reconnecting) are stopped: past `maxPerMinute` takeovers in a minute,
 *    new connections of that box are refused for `lockoutMs`, and the one connected stays.
 */
export interface TakeoverLimits {
  maxPerMinute: number
  lockoutMs: number
}

export type Admission = { admit: true } | { admit: false; reason: string; lockStarted: boolean }

const MINUTE = 60_000

/** Why a client id breaks the rule, or null when it is the box's own id. */
export function clientIdProblem(boxId: string, clientId: string, isBox: (id: string) => boolean): string | null {
  if (clientId === boxId) return null
  if (isBox(clientId)) return `client id names another box (${clientId})`
  return `client id ${JSON.stringify(clientId)} is not the box id`
}

export class TakeoverGuard {
  private readonly recent = new Map<string, number[]>()
  private readonly lockedUntil = new Map<string, number>()

  constructor(
    private readonly limits: TakeoverLimits,
    private readonly now: () => number,
  ) {}

  /**
   * Decides on a CONNECT of `boxId` that passed authentication; `takesOver` is true when the
   * box has an open connection that the new one would replace.
   */
  admit(boxId: string, takesOver: boolean): Admission {
    const now = this.now()
    const until = this.lockedUntil.get(boxId)
    if (until !== undefined && now < until) return { admit: false, reason: this.lockReason(until), lockStarted: false }
    if (until !== undefined) this.lockedUntil.delete(boxId)
    if (!takesOver) return { admit: true }
    const times = (this.recent.get(boxId) ?? []).filter((t) => now - t < MINUTE && t <= now)
    times.push(now)
    this.recent.set(boxId, times)
    if (times.length <= this.limits.maxPerMinute) return { admit: true }
    this.recent.delete(boxId)
    const lockedUntil = now + this.limits.lockoutMs
    this.lockedUntil.set(boxId, lockedUntil)
    return { admit: false, reason: this.lockReason(lockedUntil), lockStarted: true }
  }

  private lockReason(until: number): string {
    return `more than ${this.limits.maxPerMinute} takeovers of this box's connection within a minute (two clients with the same credentials?): new connections refused until ${new Date(until).toISOString()}`
  }
}
