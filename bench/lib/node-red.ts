/**
 * The peer an office's IT person could assemble instead of chamdiem: Debian's Mosquitto in
 * front of a Node-RED 4 flow `mqtt in` -> `function` -> `sqlite` (node-red-node-sqlite), each
 * press one INSERT into a SQLite file, everything at its defaults.
 *
 * Node-RED is never a dependency of the product: the benchmark installs the pinned versions
 * into `.cache/node-red` (git-ignored) the first time it runs, building sqlite3 from source
 * (npm 11 skips install scripts unless allowScripts names the package; several minutes on
 * 2 cores, once). Mosquitto acknowledges a press as soon as it has it in memory, so the
 * PUBACK rate is Mosquitto's; what the flow achieves is the rate at which rows reach the file.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { startMosquitto, type MosquittoServer } from '../../test/helpers/servers/mosquitto.ts'
import { startServer, type ServerProcess } from '../../test/helpers/servers/process.ts'
import { freePort, portOpen } from '../../test/helpers/ports.ts'
import { seqsByBox } from './stored.ts'

export const NODE_RED_VERSION = '4.1.2'
export const NODE_RED_SQLITE_VERSION = '1.1.1'

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const NODE_RED_DIR = process.env.CHAMDIEM_NODE_RED_DIR ?? join(root, '.cache', 'node-red')
const RED_JS = join(NODE_RED_DIR, 'node_modules', 'node-red', 'red.js')

function installedVersion(pkg: string): string | null {
  const file = join(NODE_RED_DIR, 'node_modules', pkg, 'package.json')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : null
}

/** Installs Node-RED and the sqlite node into the cache unless the pinned versions are there. */
export async function ensureNodeRed(log: (line: string) => void): Promise<void> {
  if (installedVersion('node-red') === NODE_RED_VERSION && installedVersion('node-red-node-sqlite') === NODE_RED_SQLITE_VERSION && existsSync(join(NODE_RED_DIR, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node'))) return
  mkdirSync(NODE_RED_DIR, { recursive: true })
  writeFileSync(join(NODE_RED_DIR, 'package.json'), JSON.stringify({ name: 'chamdiem-bench-node-red', private: true, allowScripts: { sqlite3: true } }, null, 2))
  log(`  installing Node-RED ${NODE_RED_VERSION} + node-red-node-sqlite ${NODE_RED_SQLITE_VERSION} into ${NODE_RED_DIR} (once; sqlite3 builds from source)`)
  await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--save-exact', `node-red@${NODE_RED_VERSION}`, `node-red-node-sqlite@${NODE_RED_SQLITE_VERSION}`], { cwd: NODE_RED_DIR, timeout: 30 * 60_000, maxBuffer: 64 << 20 })
}

export interface NodeRedPeer {
  /** Mosquitto's port: the boxes publish here. */
  port: number
  /** The broker and Node-RED, the two processes that make up the peer. */
  pids: number[]
  dbFile: string
  /** Rows the flow has written so far. */
  count(): number
  /** The (box, seq) of the rows stored for one boot. */
  stored(boot: string): Map<string, Set<number>>
  /** kill -9 of both processes at once. */
  crash(): Promise<void>
  stop(): Promise<void>
}

const TOPIC = 'chamdiem/v1/boxes/+/press'

function flow(brokerPort: number, dbFile: string): unknown[] {
  return [
    { id: 'tab', type: 'tab', label: 'presses' },
    { id: 'broker', type: 'mqtt-broker', name: 'mosquitto', broker: '127.0.0.1', port: String(brokerPort), clientid: 'node-red-presses', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
    { id: 'db', type: 'sqlitedb', db: dbFile, mode: 'RWC' },
    { id: 'in', type: 'mqtt in', z: 'tab', name: 'presses', topic: TOPIC, qos: '1', datatype: 'json', broker: 'broker', nl: false, rap: false, inputs: 0, x: 100, y: 100, wires: [['fn']] },
    {
      id: 'fn',
      type: 'function',
      z: 'tab',
      name: 'to row',
      func: "msg.params = { $box: msg.topic.split('/')[3], $boot: msg.payload.boot, $seq: msg.payload.seq, $rating: msg.payload.rating };\nreturn msg;",
      outputs: 1,
      x: 300,
      y: 100,
      wires: [['sql']],
    },
    { id: 'sql', type: 'sqlite', z: 'tab', mydb: 'db', sqlquery: 'prepared', sql: 'INSERT OR IGNORE INTO presses (box, boot, seq, rating) VALUES ($box, $boot, $seq, $rating)', name: 'store', x: 500, y: 100, wires: [[]] },
  ]
}

/** Starts Mosquitto and Node-RED with the flow, and waits until a probe press reaches the file. */
export async function startNodeRedPeer(): Promise<NodeRedPeer> {
  if (!existsSync(RED_JS)) throw new Error(`Node-RED is not installed in ${NODE_RED_DIR} (ensureNodeRed first)`)
  const broker: MosquittoServer = await startMosquitto()
  let red: ServerProcess | null = null
  let dbFile = ''
  try {
    let uiPort = 0
    red = await startServer({
      command: process.execPath,
      debianPackage: 'nodejs',
      dirPrefix: 'chamdiem-node-red-',
      async args(dir, fresh) {
        if (fresh) {
          uiPort = await freePort()
          dbFile = join(dir, 'presses.db')
          // The table exists before the flow runs, as an IT person would create it once.
          const db = new Database(dbFile)
          db.exec('CREATE TABLE IF NOT EXISTS presses (box TEXT NOT NULL, boot TEXT NOT NULL, seq INTEGER NOT NULL, rating TEXT NOT NULL, UNIQUE (box, boot, seq))')
          db.close()
          writeFileSync(join(dir, 'flows.json'), JSON.stringify(flow(broker.port, dbFile)))
          writeFileSync(
            join(dir, 'settings.js'),
            `module.exports = { uiHost: '127.0.0.1', uiPort: ${uiPort}, flowFile: 'flows.json', credentialSecret: false, logging: { console: { level: 'warn', metrics: false, audit: false } }, editorTheme: { tours: false } }\n`,
          )
        }
        return [RED_JS, '--userDir', dir, '--settings', join(dir, 'settings.js')]
      },
      ready: () => portOpen(uiPort),
    })
    const peer: NodeRedPeer = {
      port: broker.port,
      get pids() {
        return [broker.pid!, red!.pid!]
      },
      dbFile,
      count: () => readRows(dbFile, (db) => (db.prepare('SELECT count(*) AS n FROM presses').get() as { n: number }).n),
      stored: (boot) =>
        readRows(dbFile, (db) => seqsByBox(db.prepare('SELECT box, seq FROM presses WHERE boot = ?').iterate(boot) as Iterable<{ box: string; seq: number }>)),
      async crash() {
        await Promise.all([broker.stop({ kill: true }), red!.stop({ kill: true })])
      },
      async stop() {
        await red!.dispose()
        await broker.dispose()
      },
    }
    await probe(peer)
    return peer
  } catch (err) {
    await red?.dispose()
    await broker.dispose()
    throw err
  }
}

function readRows<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { fileMustExist: true, timeout: 1000 })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

/** The flow subscribes some time after Node-RED listens: publish until a probe row appears. */
async function probe(peer: NodeRedPeer): Promise<void> {
  const { connectAsync } = await import('mqtt')
  const client = await connectAsync(`mqtt://127.0.0.1:${peer.port}`, { clientId: 'bench-probe', reconnectPeriod: 0 })
  try {
    const deadline = Date.now() + 60_000
    for (let seq = 1; Date.now() < deadline; seq++) {
      await client.publishAsync('chamdiem/v1/boxes/probe/press', JSON.stringify({ seq, boot: 'probe', rating: 'positive', ageMs: 0 }), { qos: 1 })
      await new Promise((r) => setTimeout(r, 250))
      if ((peer.stored('probe').get('probe')?.size ?? 0) > 0) return
    }
    throw new Error(`Node-RED stored no probe press within 60 s (flow or sqlite node not working; see ${peer.dbFile})`)
  } finally {
    await client.endAsync()
  }
}
