/**
 * Mounts volatile_fs.py (a FUSE filesystem that keeps what was not fsynced volatile) in a
 * temp directory, and cuts its power: every byte and directory entry not fsynced is gone
 * and the filesystem comes back with what survived, like a machine after a power cut. The
 * mount and its cleanup are registered in one call.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { registerCleanup } from '../helpers/cleanup.ts'

const SCRIPT = new URL('./volatile_fs.py', import.meta.url).pathname
// Debian's python3-fusepy is installed for the system Python, not for a pyenv one on PATH.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'

export interface PowerLossReport {
  /** Names a process saw that were not in their directory at its last fsync. */
  lost_entries: string[]
  files_reverted: number
  pages_dropped: number
  pages_kept: number
  fsyncs: number
  dir_fsyncs: number
}

export interface VolatileFs {
  /** The mount point: use it as a data directory. */
  dir: string
  /**
   * Cuts the power: unsynced data and entries are discarded (`tear`: a random part of the
   * unsynced pages survives, seeded), then the filesystem is mounted again on what survived.
   * Kill every process that uses `dir` first: a machine without power runs nothing. What
   * this process itself holds open there, `afterCut` closes (every call fails: the disk is gone).
   */
  powerLoss(opts?: { tear?: boolean; seed?: number; afterCut?: () => void }): Promise<PowerLossReport>
}

/** Why the filesystem cannot run here, or null when it can. */
export function volatileFsUnavailable(): string | null {
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse (FUSE not available)'
  if (process.getuid?.() !== 0) return 'not root (mounting FUSE here needs root)'
  if (spawnSync('which', ['fusermount3']).status !== 0 && spawnSync('which', ['fusermount']).status !== 0) return 'no fusermount (apt-get install fuse3)'
  const py = spawnSync(PYTHON, ['-c', 'try:\n import fusepy\nexcept ImportError:\n import fuse; fuse.FUSE'])
  if (py.status !== 0) return `no fusepy for ${PYTHON} (apt-get install python3-fusepy)`
  return null
}

export async function mountVolatileFs(): Promise<VolatileFs> {
  const root = mkdtempSync(join(tmpdir(), 'chamdiem-volatile-'))
  const dir = join(root, 'mnt')
  const store = join(root, 'store')
  mkdirSync(dir)
  let proc: ChildProcess | undefined

  const mount = async () => {
    const p = spawn(PYTHON, ['-B', SCRIPT, store, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    proc = p
    let out = ''
    p.stderr!.on('data', (d) => (out += d))
    await new Promise<void>((resolve, reject) => {
      p.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve()
      })
      p.once('exit', (code) => reject(new Error(`volatile_fs.py exited with ${code} before mounting:\n${out}`)))
    })
  }

  const unmount = async () => {
    const p = proc
    proc = undefined
    if (!p || p.exitCode !== null) return
    const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()))
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' })
    } catch {
      // Still busy (a process we were not told about): detach it; the kernel lets go later.
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
    }
    // Detached, it ends when the last file on it closes: not before this process ends.
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000)
    await gone
    clearTimeout(timer)
  }

  await mount()
  registerCleanup(async () => {
    await unmount().catch(() => proc?.kill('SIGKILL'))
    rmSync(root, { recursive: true, force: true })
  })

  return {
    dir,
    async powerLoss(opts = {}) {
      const cmd = opts.tear ? `powerloss tear ${opts.seed ?? Math.floor(Math.random() * 2 ** 31)}` : 'powerloss'
      writeFileSync(join(dir, '.volatile-fs'), `${cmd}\n`)
      const report = JSON.parse(readFileSync(join(store, 'powerloss.json'), 'utf8')) as PowerLossReport
      opts.afterCut?.()
      await unmount()
      rmSync(join(store, 'powerloss.json'))
      await mount()
      return report
    },
  }
}
