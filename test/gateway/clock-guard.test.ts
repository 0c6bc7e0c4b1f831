/**
 * The clock guard: the gateway's clock dates every press and picks its officer, so a clock
 * that went backwards or is not synchronised must show in /api/health and /metrics.
 * The backwards start is a real gateway process run under Debian's `faketime` two days in
 * the past after it stored presses. No time service (timesyncd, chrony, ntpd) runs in this
 * sandbox, so the "not synchronised" answer is given to the guard as a fixed reading, and the
 * parsers are checked on the text those services print.
 */
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { ClockGuard, parseChronyTracking, parseTimedatectl } from '../../gateway/clock-guard.ts'
import { silentLogger } from '../../gateway/log.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { childGateway } from '../helpers/child-gateway.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { tempDir } from '../helpers/tmp.ts'
import { waitForPort } from '../helpers/ports.ts'

interface ClockStatus {
  ok: boolean
  synchronised: boolean | null
  source: string | null
  lastStep: { byMs: number; against: string } | null
}

describe('clock guard', () => {
  it('a gateway started with its clock two days behind the last stored press says so in health and /metrics', async () => {
    const dataDir = tempDir('chamdiem-clock-')
    let fake: string[] = []
    const gw = await childGateway(dataDir, { registry: OFFICE }, { wrap: () => fake })
    await gw.start()
    const box = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { username: 'box-1', password: SECRET('box-1'), clientId: 'box-1', reconnectPeriod: 0 })
    for (let seq = 1; seq <= 3; seq++) await box.publishAsync(pressTopic('box-1'), press(seq, 'positive'), { qos: 1 })
    await box.endAsync()
    const health = async () => (await (await fetch(`http://127.0.0.1:${gw.httpPort}/api/health`)).json()) as { parts: Array<{ name: string; status?: ClockStatus }> }
    const clockOf = async () => (await health()).parts.find((p) => p.name === 'clock')!.status!
    await waitForPort(gw.httpPort)
    expect((await clockOf()).lastStep).toBeNull()
    await gw.kill('SIGTERM')

    // Two days before this process's own clock (itself possibly under faketime), and running.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().replace('T', ' ').slice(0, 19)
    fake = ['env', 'TZ=UTC', 'faketime', '-f', `@${twoDaysAgo}`]
    await gw.start()
    await waitForPort(gw.httpPort)
    const status = await clockOf()
    expect(status.ok).toBe(false)
    expect(status.lastStep?.against).toBe('last stored press')
    expect(status.lastStep!.byMs).toBeLessThan(-47 * 3600_000)
    expect(status.lastStep!.byMs).toBeGreaterThan(-49 * 3600_000)
    const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text()
    expect(metrics).toMatch(/^chamdiem_clock_ok 0$/m)
    expect(metrics).toMatch(/^chamdiem_clock_backwards_total 1$/m)
    expect(gw.output()).toMatch(/the clock went backwards by 17\d{4} s against the last stored press/)
    await gw.kill('SIGTERM')
  }, 90_000)

  it('reports an unsynchronised host clock in health and /metrics', async () => {
    const t = await startTestGateway({
      registry: OFFICE,
      readClockSync: async () => ({ synchronised: false, source: 'chrony', detail: 'leap status Not synchronised' }),
    })
    expect(t.gw.health().parts.find((p) => p.name === 'clock')!.status).toMatchObject({ ok: false, synchronised: false, source: 'chrony', lastStep: null })
    expect(t.gw.metrics().find((m) => m.name === 'chamdiem_clock_synchronised')?.value).toBe(0)
    expect(t.gw.metrics().find((m) => m.name === 'chamdiem_clock_ok')?.value).toBe(0)
  })

  it('sees the wall clock stepping against the monotonic clock while running', async () => {
    let wall = Date.parse('2026-11-23T09:00:00+07:00')
    let mono = 0
    const guard = new ClockGuard({
      dataDir: tempDir('chamdiem-clock-'),
      now: () => wall,
      monotonic: () => mono,
      log: silentLogger(),
      lastStoredAt: () => null,
      readSync: async () => ({ synchronised: true, source: 'timesyncd' }),
    })
    await guard.start()
    registerCleanup(() => guard.stop())
    wall += 5000
    mono += 5000
    guard.check()
    wall += 1500 // NTP slewing and timer jitter stay under the tolerance
    mono += 1000
    guard.check()
    expect(guard.bad()).toBe(false)
    wall -= 3600_000 // someone sets the clock back an hour
    mono += 5000
    guard.check()
    expect(guard.bad()).toBe(true)
    expect(guard.status()).toMatchObject({ ok: false, lastStep: { against: 'monotonic clock', byMs: -3600_000 - 5000 } })
    expect(guard.metrics().find((m) => m.name === 'chamdiem_clock_backwards_total')?.value).toBe(1)
  })

  it('reads chrony and timedatectl as they print', () => {
    const synced = `Reference ID    : C0A80001 (192.168.0.1)
Stratum         : 3
Ref time (UTC)  : Sat Nov 28 03:00:00 2026
System time     : 0.000012 seconds fast of NTP time
Leap status     : Normal
`
    const unsynced = `Reference ID    : 00000000 ()
Stratum         : 0
Ref time (UTC)  : Thu Jan 01 00:00:00 1970
Leap status     : Not synchronised
`
    expect(parseChronyTracking(synced)).toMatchObject({ synchronised: true, source: 'chrony' })
    expect(parseChronyTracking(unsynced)).toMatchObject({ synchronised: false, source: 'chrony' })
    expect(parseChronyTracking('garbage')).toMatchObject({ synchronised: null })
    expect(parseTimedatectl('yes\n')).toMatchObject({ synchronised: true })
    expect(parseTimedatectl('no\n')).toMatchObject({ synchronised: false })
  })
})
