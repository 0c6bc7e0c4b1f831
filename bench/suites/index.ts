/** Every benchmark suite, in the order `npm run bench` runs them. */
import type { Suite } from '../lib/types.ts'
import { boxConfig } from './box-config.ts'
import { central } from './central.ts'
import { dashboard } from './dashboard.ts'
import { drain } from './drain.ts'
import { idle } from './idle.ts'
import { ingest } from './ingest.ts'
import { simulator } from './simulator.ts'

export const SUITES: Suite[] = [ingest, dashboard, idle, drain, simulator, boxConfig, central]
