#!/usr/bin/env node
// Entry of the `chamdiem` command. An installed package (from `npm pack`) holds the compiled
// JavaScript in dist/ and no TypeScript sources: it runs on plain Node. A checkout has the
// sources next to this file and runs them through tsx, so the tests and the developer never
// run a stale dist/.
import { existsSync } from 'node:fs'

const source = new URL('./commands.ts', import.meta.url)
let main
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import(source.href))
} else {
  ;({ main } = await import('../dist/bin/commands.js'))
}
await main(process.argv.slice(2))
