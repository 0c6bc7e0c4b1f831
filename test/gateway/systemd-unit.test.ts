/**
 * The systemd unit shipped in gateway/systemd/ is one systemd accepts (`systemd-analyze
 * verify`: no unknown keys, executables present) and that its own security audit rates OK,
 * and it keeps what the install steps promise: its own user, dialout for USB boxes, the
 * state and config directories, restart on failure, start after the clock is synchronised.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.ts'

const UNIT = new URL('../../gateway/systemd/chamdiem.service', import.meta.url).pathname
const run = promisify(execFile)

describe('systemd unit', () => {
  it('passes systemd-analyze verify and its security audit', async () => {
    const dir = tempDir('chamdiem-unit-')
    const copy = join(dir, 'chamdiem.service')
    copyFileSync(UNIT, copy)
    const verify = await run('systemd-analyze', ['verify', copy], { cwd: dir })
    expect(verify.stderr).toBe('')
    // Exposure 0 (locked down) .. 10 (unsafe); systemd calls up to 3.9 "OK". --threshold is in
    // tenths: the command itself fails above 3.0.
    const audit = await run('systemd-analyze', ['security', '--offline=true', '--threshold=30', copy], { cwd: dir })
    const level = Number(/Overall exposure level for chamdiem\.service: ([\d.]+)/.exec(audit.stdout)?.[1])
    expect(level).toBeLessThanOrEqual(3)
  })

  it('runs as its own user with the directories, groups and ordering the README describes', () => {
    const unit = readFileSync(UNIT, 'utf8')
    for (const line of [
      'User=chamdiem',
      'SupplementaryGroups=dialout',
      'StateDirectory=chamdiem',
      'ConfigurationDirectory=chamdiem',
      'Environment=CHAMDIEM_DATA_DIR=/var/lib/chamdiem',
      'Restart=on-failure',
      'After=network-online.target time-sync.target',
      'ExecStart=/usr/bin/node /usr/local/lib/node_modules/chamdiem/bin/chamdiem.js gateway --config /etc/chamdiem/gateway.yaml',
    ]) {
      expect(unit.split('\n')).toContain(line)
    }
  })
})
