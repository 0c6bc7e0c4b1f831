/**
 * Runs once before all test files. Checks that the machine has what the real-part tests need
 * and says in one line what to install if not (scripts/test.sh installs it when run as root).
 */
import { existsSync } from 'node:fs'

const NEEDED: Array<{ bin: string; pkg: string }> = [
  { bin: '/usr/bin/influxd', pkg: 'influxdb' },
  { bin: '/usr/bin/victoria-metrics', pkg: 'victoria-metrics' },
  { bin: '/usr/bin/chromium', pkg: 'chromium' },
  { bin: '/usr/sbin/mosquitto', pkg: 'mosquitto' },
  { bin: '/usr/bin/socat', pkg: 'socat' },
]

export default function setup(): void {
  const missing = NEEDED.filter((n) => !existsSync(n.bin)).map((n) => n.pkg)
  if (missing.length > 0) {
    throw new Error(`missing Debian packages for the tests: run  apt-get install -y ${missing.join(' ')}  (or  npm test  as root, which installs them)`)
  }
}
