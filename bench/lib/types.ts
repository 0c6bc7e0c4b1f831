/** Shapes shared by the benchmark suites, the runner and the results JSON. */

export interface BenchOptions {
  quick: boolean
  /** Repeated runs per compared system (alternated A B C A B C ...). */
  runs: number
  /** Start the gateway child with --cpu-prof and summarise the hot spots. */
  profile: boolean
  /** Include the Node-RED peer in the ingest suite (false: --no-peer). */
  peer: boolean
  /** Where raw results and profiles go. */
  resultsDir: string
  /** Soak duration (`--soak-minutes`); the soak's own default when absent. */
  soakMinutes?: number
  log: (line: string) => void
}

/** One measured quantity: median and spread over repeated runs. */
export interface Row {
  suite: string
  /** What was measured on which system, e.g. "throughput (a) bare Aedes". */
  name: string
  unit: string
  median: number
  min: number
  max: number
  /** Runs that produced a value. */
  n: number
  /** Every run's value, in run order. */
  samples: number[]
}

export interface Goal {
  suite: string
  goal: string
  /** The measured median (NaN when not measured). */
  measured: number
  unit: string
  target: string
  /** null: not measured in this run (see note). */
  pass: boolean | null
  note?: string
}

export interface SuiteResult {
  rows: Row[]
  goals: Goal[]
  notes: string[]
  /** Per-run raw figures, kept in the results JSON. */
  runs: Array<Record<string, unknown>>
}

export interface Suite {
  id: string
  title: string
  /** Runs only when named in --only (the soak takes an hour). */
  optIn?: boolean
  run(opts: BenchOptions): Promise<SuiteResult>
}
