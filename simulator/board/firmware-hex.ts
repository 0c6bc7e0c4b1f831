/**
 * The real StandardFirmata image for the emulated Uno. It comes from the npm package
 * `avrgirl-arduino@5.0.1` (DESIGN.md, "Simulator"): that package cannot be installed here (it
 * has a git dependency), so we `npm pack` its tarball into a cache, take the one file out,
 * check its hash and never commit it.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const FIRMATA_PACKAGE = 'avrgirl-arduino@5.0.1'
export const FIRMATA_HEX_ENTRY = 'package/junk/hex/uno/StandardFirmata.cpp.hex'
export const FIRMATA_HEX_SHA256 = '6d57ea7cf30e26c9c2f3a01ee37907d2c951f8bc9c27f84dddad12fa9c8b8f36'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DEFAULT_CACHE_DIR = join(repoRoot, '.cache', 'firmware')

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

let pending: Promise<string> | null = null

/**
 * Returns the path of the verified hex, fetching it on first use. Idempotent and safe to call
 * concurrently (also across processes: files are written under a temp name, then renamed).
 */
export function ensureStandardFirmataHex(cacheDir: string = DEFAULT_CACHE_DIR): Promise<string> {
  if (!pending) pending = fetchHex(cacheDir).finally(() => (pending = null))
  return pending
}

async function fetchHex(cacheDir: string): Promise<string> {
  const target = join(cacheDir, 'StandardFirmata.cpp.hex')
  const existing = await readFile(target).catch(() => null)
  if (existing && sha256(existing) === FIRMATA_HEX_SHA256) return target

  await mkdir(cacheDir, { recursive: true })
  const work = join(cacheDir, `tmp-${process.pid}-${Date.now()}`)
  await mkdir(work)
  try {
    const { stdout } = await run(
      'npm',
      ['pack', FIRMATA_PACKAGE, '--pack-destination', work, '--silent'],
      {
        cwd: work,
        timeout: 120_000,
      },
    ).catch((err: Error) => {
      throw new Error(
        `could not fetch ${FIRMATA_PACKAGE} with npm pack (is the npm registry reachable?): ${err.message}`,
      )
    })
    const tarball = join(work, stdout.trim().split('\n').pop() ?? '')
    const { stdout: hex } = await run('tar', ['-xzf', tarball, '-O', FIRMATA_HEX_ENTRY], {
      maxBuffer: 1 << 20,
      encoding: 'buffer',
    })
    const got = sha256(hex)
    if (got !== FIRMATA_HEX_SHA256) {
      throw new Error(
        `${FIRMATA_HEX_ENTRY} from ${FIRMATA_PACKAGE} has sha256 ${got}, expected ${FIRMATA_HEX_SHA256}`,
      )
    }
    const temp = `${target}.${process.pid}.tmp`
    await writeFile(temp, hex)
    await rename(temp, target)
    return target
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** The hex as text, fetched if needed. */
export async function readStandardFirmataHex(cacheDir?: string): Promise<string> {
  return readFile(await ensureStandardFirmataHex(cacheDir), 'utf8')
}
