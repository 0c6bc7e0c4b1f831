/** Runs the `chamdiem` command as a real process, as an office's IT person would. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

export const BIN = new URL('../../bin/chamdiem.js', import.meta.url).pathname

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export async function chamdiem(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, CHAMDIEM_LOG_JSON: '1', ...env } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
