/**
 * A real gateway holding a large synthetic office for the simulator tests: `counters` counters,
 * one officer signed in at each, `boxesPerCounter` boxes per counter. Boxes are assigned and
 * officers signed in a day in the past, so presses dated back by a late delivery (a large
 * `ageMs`) are still attributed to the officer the simulator expects.
 */
import { buildReport, type Report } from '../../gateway/report.ts'
import { groupBy, type GroupCounts, type SimSummary } from '../../simulator/summary.ts'
import type { FleetBox } from '../../simulator/fleet.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

export const DAY = 24 * 3_600_000

export interface SimOffice {
  tg: TestGateway
  boxes: FleetBox[]
  officerOf: (boxId: string) => string
  since: number
}

export async function startSimOffice(opts: {
  counters: number
  boxesPerCounter: number
  config?: Record<string, unknown>
  /** Fixed MQTT port (for a restart on the same port); default any free port. */
  mqttPort?: number
}): Promise<SimOffice> {
  const tg = await startTestGateway(gatewayOptions(opts.config, opts.mqttPort))
  const reg = tg.gw.registry
  const since = Date.now() - DAY
  const boxes: FleetBox[] = []
  const officerByBox = new Map<string, string>()
  for (let c = 1; c <= opts.counters; c++) {
    reg.upsertCounter(`q${c}`, 'hcc', `Quầy ${c}`)
    reg.upsertOfficer(`o${c}`, 'hcc', `Cán bộ ${c}`)
    reg.signIn(`o${c}`, `q${c}`, since)
    for (let k = 1; k <= opts.boxesPerCounter; k++) {
      const id = `box-${c}-${k}`
      const secret = `sim-secret-${id}-0123456789`
      reg.provisionBox(id, { secret, counterId: `q${c}`, at: since })
      boxes.push({ id, secret })
      officerByBox.set(id, `o${c}`)
    }
  }
  return { tg, boxes, since, officerOf: (id) => officerByBox.get(id) ?? 'unattributed' }
}

function gatewayOptions(config?: Record<string, unknown>, mqttPort?: number, dataDir?: string) {
  return {
    dataDir,
    registry: { offices: [{ id: 'hcc', name: 'Trung tâm Phục vụ hành chính công' }] },
    config: {
      ingest: { cooldownMs: 5000 },
      ...config,
      ...(mqttPort ? { mqtt: { port: mqttPort } } : {}),
    },
  }
}

/** Stops the gateway and starts a new one on the same data folder and MQTT port (a gateway restart). */
export async function restartGateway(
  office: SimOffice,
  opts: { downMs?: number } = {},
): Promise<void> {
  const { dataDir } = office.tg
  const port = office.tg.gw.mqttPort
  await office.tg.stop()
  await new Promise((r) => setTimeout(r, opts.downMs ?? 0))
  office.tg = await startTestGateway(gatewayOptions(undefined, port, dataDir))
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

/** The gateway's report by officer over everything since the office was set up. */
export function officerReport(office: SimOffice): Report {
  return buildReport(office.tg.gw.db, {
    fromMs: office.since - DAY,
    toMs: Date.now() + DAY,
    by: 'officer',
  })
}

/** Both sides in one shape: officer -> counted per rating and repeats. */
export function compareByOfficer(
  office: SimOffice,
  summary: SimSummary,
): { gateway: Record<string, Counts>; simulator: Record<string, Counts> } {
  const report = officerReport(office)
  const gateway: Record<string, Counts> = {}
  for (const r of report.rows)
    gateway[r.key] = {
      positive: r.positive ?? 0,
      neutral: r.neutral ?? 0,
      negative: r.negative ?? 0,
      // Not counted either way: a flood's presses beyond the human rate are bursts to the
      // gateway and repeats to the simulator, which has no notion of bursts. Counted presses
      // must match exactly.
      repeats: r.repeats + r.bursts,
    }
  const simulator: Record<string, Counts> = {}
  for (const [k, g] of Object.entries(groupBy(summary, office.officerOf)) as Array<
    [string, GroupCounts]
  >) {
    simulator[k] = {
      positive: g.counted.positive,
      neutral: g.counted.neutral,
      negative: g.counted.negative,
      repeats: g.repeats.total,
    }
  }
  return { gateway, simulator }
}

export interface Counts {
  positive: number
  neutral: number
  negative: number
  repeats: number
}

export function rejectedCount(office: SimOffice): number {
  return (office.tg.gw.db.prepare('SELECT COUNT(*) AS n FROM rejected').get() as { n: number }).n
}

export function pressRows(office: SimOffice): number {
  return (office.tg.gw.db.prepare('SELECT COUNT(*) AS n FROM presses').get() as { n: number }).n
}
