/**
 * The host's clocks, as far as a queued press needs them. The box (an Arduino running
 * StandardFirmata) has no clock of its own that we can read, so a press is timed by the host
 * that sees its Firmata message, and its `ageMs` (protocol/schemas.ts) is computed from what
 * the queue file stored at the press:
 *
 * - same host boot (the device-layer process restarted, the host did not): the kernel's
 *   monotonic clock (CLOCK_MONOTONIC, shared by all processes, immune to wall-clock changes)
 *   gives the exact age;
 * - the host rebooted (its boot id changed): only the wall clock spans the gap, so the age is
 *   "wall now - wall at press". It is wrong by however much the wall clock was changed while
 *   the host was off or before NTP corrected it (a Raspberry Pi has no RTC battery), and it
 *   is clamped at 0 when the clock went backwards. Time spent suspended is not counted by
 *   the monotonic clock either.
 */
import { readFileSync } from 'node:fs'

export interface HostTime {
  /** Wall clock, ms since the epoch. */
  wallMs: number
  /** Monotonic clock, ms since an arbitrary point fixed for one host boot. */
  monoMs: number
  /** Kernel boot id (Linux); monoMs values compare only within one boot. Null when unknown. */
  hostBoot: string | null
}

let bootId: string | null | undefined

function readBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null
    } catch {
      bootId = null
    }
  }
  return bootId
}

export function hostNow(): HostTime {
  return {
    wallMs: Date.now(),
    // process.hrtime is CLOCK_MONOTONIC (libuv uv_hrtime): the same clock in every process.
    monoMs: Number(process.hrtime.bigint() / 1_000n) / 1000,
    hostBoot: readBootId(),
  }
}

/** How long ago `at` was, by the best clock both readings share. Never negative. */
export function ageBetween(at: HostTime, now: HostTime): number {
  const sameBoot = at.hostBoot !== null && at.hostBoot === now.hostBoot
  const age = sameBoot ? now.monoMs - at.monoMs : now.wallMs - at.wallMs
  return Math.max(0, Math.round(age))
}
