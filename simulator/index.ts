/**
 * The simulator's programmatic API (tests, benchmarks, demos): a fleet of virtual boxes,
 * the citizen traffic model that drives it, faults, and the summary to check a gateway by.
 */
export {
  createFleet,
  Fleet,
  DEFAULT_MIX,
  type FleetBox,
  type FleetOptions,
  type PressAllOptions,
} from './fleet.ts'
export {
  VirtualBox,
  type VirtualBoxOptions,
  type PressOptions,
  type PressRecord,
} from './virtual-box.ts'
export {
  Faults,
  parseFaults,
  garbagePayload,
  GARBAGE_KINDS,
  NO_FAULTS,
  type FaultPlan,
  type GarbageKind,
} from './faults.ts'
export {
  summarize,
  groupBy,
  formatSummary,
  type SimSummary,
  type BoxSummary,
  type GroupCounts,
} from './summary.ts'
export {
  TrafficModel,
  SimClock,
  VIETNAM_OFFICE_HOURS,
  ALWAYS_OPEN,
  type OfficeHours,
  type CounterTraffic,
  type RatingMix,
  type Arrival,
} from './traffic.ts'
export { TrafficDriver, type TrafficDriverOptions } from './traffic-driver.ts'
export { loadRegistryFile, parseRegistry, type SimRegistry } from './registry-file.ts'
export { seedOffice, type SeededOffice } from './seed-office.ts'
