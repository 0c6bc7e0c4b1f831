#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (Debian packages when run
# as root with apt, npm packages from the lockfile), type-checks, then runs vitest and prints
# one closing line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the real-part tests start: InfluxDB 1.6.7, VictoriaMetrics, Chromium for
# the dashboard, Mosquitto for the benchmark baseline (and mosquitto_pub as a third-party box),
# socat for the emulated serial ports, systemd-analyze for the unit, openssl for TLS certificates,
# faketime for the clock tests, sqlite3 as an independent reader, fuse3 and fusepy for the
# power-loss filesystem (test/powerloss; a check, not a binary, for fusepy), nginx as the
# reverse proxy in front of the dashboard, PostgreSQL 15 for the province's central store,
# poppler-utils (pdftoppm) to check printed reports page by page.
declare -A NEED=(
  [influxd]=influxdb
  [victoria-metrics]=victoria-metrics
  [chromium]=chromium
  [mosquitto]=mosquitto
  [socat]=socat
  [mosquitto_pub]=mosquitto-clients
  [systemd-analyze]=systemd
  [faketime]=faketime
  [openssl]=openssl
  [sqlite3]=sqlite3
  [fusermount3]=fuse3
  ['/usr/bin/python3 -c "import fusepy"']=python3-fusepy
  [nginx]=nginx
  ['/usr/lib/postgresql/15/bin/initdb']=postgresql
  [pdftoppm]=poppler-utils
)
missing=()
for bin in "${!NEED[@]}"; do
  if [[ "$bin" == *' '* ]]; then sh -c "$bin" >/dev/null 2>&1 || missing+=("${NEED[$bin]}"); continue; fi
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("${NEED[$bin]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: run  sudo apt-get install -y ${missing[*]}  and try again" >&2
    exit 1
  fi
fi
# The Debian packages start their own services; the tests start private instances instead.
for svc in influxdb victoria-metrics mosquitto nginx postgresql; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done

# npm packages, exactly as locked (better-sqlite3 builds from source: allowScripts).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run --silent typecheck
npm run --silent lint

mkdir -p test-artifacts
rm -f test-artifacts/vitest-*.json
# Emulated boards run the real firmware in real time (about half a core each): they get the
# machine to themselves first; everything else then runs two files at a time.
status=0
if [ $# -eq 0 ]; then
  npx vitest run test/firmware --maxWorkers=1 --reporter=default --reporter=json --outputFile=test-artifacts/vitest-firmware.json || status=$?
  npx vitest run --exclude 'test/firmware/**' --reporter=default --reporter=json --outputFile=test-artifacts/vitest-rest.json || status=$?
else
  npx vitest run --reporter=default --reporter=json --outputFile=test-artifacts/vitest-selected.json "$@" || status=$?
fi
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync("test-artifacts").filter((f) => /^vitest-.*\.json$/.test(f))) {
    const r = JSON.parse(fs.readFileSync("test-artifacts/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    if (r.numFailedTestSuites && !r.numFailedTests) failed += r.numFailedTestSuites;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' || true
exit $status
