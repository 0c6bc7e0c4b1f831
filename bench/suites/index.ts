/** Every benchmark suite, in the order `npm run bench` runs them (opt-in ones only when named). */
import type { Suite } from '../lib/types.ts'
import { boxConfig } from './box-config.ts'
import { boxLed } from './box-led.ts'
import { central, centralYear } from './central.ts'
import { dashboard, dashboardRender } from './dashboard.ts'
import { drain } from './drain.ts'
import { idle } from './idle.ts'
import { ingest } from './ingest.ts'
import { simulator } from './simulator.ts'
import { soak } from './soak.ts'

export const SUITES: Suite[] = [ingest, dashboard, dashboardRender, idle, drain, simulator, boxConfig, central, centralYear, boxLed, soak]
