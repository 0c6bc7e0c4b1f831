/**
 * Helpers that create a thing register its cleanup in the same call (model: aedes
 * test/helper.js). Created inside a test: cleaned when that test finishes. Created in a
 * beforeAll/describe: cleaned after the file's tests (setup/cleanup.ts runs the queue).
 */
import { expect, onTestFinished } from 'vitest'

const fileScoped: Array<() => unknown> = []

export function registerCleanup(fn: () => unknown): void {
  if (expect.getState().currentTestName !== undefined) {
    try {
      onTestFinished(async () => {
        await fn()
      })
      return
    } catch {
      // not inside a running test after all: fall through to the file scope
    }
  }
  fileScoped.push(fn)
}

export async function runFileCleanups(): Promise<void> {
  while (fileScoped.length > 0) {
    const fn = fileScoped.pop()!
    try {
      await fn()
    } catch (err) {
      console.error('cleanup failed:', err)
    }
  }
}
