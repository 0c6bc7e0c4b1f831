#!/usr/bin/env node
// Entry of the `chamdiem` command. The code is TypeScript run through tsx (no build step);
// this file only registers the loader and hands over to the command table.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('./commands.ts')
await main(process.argv.slice(2))
