import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { registerCleanup } from './cleanup.ts'

/** A fresh temp directory, removed when the test (or file) is done. */
export function tempDir(prefix = 'chamdiem-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  registerCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
