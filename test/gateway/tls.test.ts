/**
 * MQTT over TLS and secure WebSocket (mqtt.tls): boxes that verify the gateway's certificate
 * against their CA connect; a wrong CA is refused; the plain listeners can be switched off;
 * the certificate files are loaded again on reload (SIGHUP) without a restart.
 */
import { execFile, execFileSync } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { describe, expect, it } from 'vitest'
import { MqttLink } from '../../firmware/mqtt-link.ts'
import { pressTopic } from '../../protocol/index.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'
import { childGateway } from '../helpers/child-gateway.ts'
import { freePort, waitForPort } from '../helpers/ports.ts'
import { tempDir } from '../helpers/tmp.ts'

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'pipe' })

/** A CA (ca.pem, ca.key) and a server certificate it signed for 127.0.0.1 (server.pem, server.key), in `dir`. */
function makeCertificates(dir: string, name: string): { ca: string; cert: string; key: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(dir, 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', `/CN=${name} test CA`)
  openssl(dir, 'req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n')
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '3650', '-extfile', 'ext.cnf')
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') }
}

async function connect(url: string, ca: string, boxId = 'box-1', extra: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { username: boxId, password: SECRET(boxId), clientId: boxId, reconnectPeriod: 0, ca: readFileSync(ca), ...extra })
  registerCleanup(() => client.endAsync(true).catch(() => undefined))
  return client
}

/** A gateway with only the TLS listeners (plain MQTT and WebSocket off), serving `files`. */
async function tlsGateway(files: { cert: string; key: string }): Promise<TestGateway & { mqtts: string; wss: string }> {
  const t = await startTestGateway({ registry: OFFICE, config: { mqtt: { plain: false, tls: { port: 0, wsPort: 0, cert: files.cert, key: files.key } } } })
  return Object.assign(t, { mqtts: `mqtts://127.0.0.1:${t.gw.broker.tlsPort}`, wss: `wss://127.0.0.1:${t.gw.broker.wssPort}` })
}

function mosquittoPub(port: number, cafile: string, seq: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(port), '--cafile', cafile, '-i', 'box-2', '-u', 'box-2', '-P', SECRET('box-2'), '-t', pressTopic('box-2'), '-q', '1', '-m', press(seq, 'neutral')],
      { timeout: 20_000 },
      (err) => resolve(err ? ((err as { code?: number }).code ?? -1) : 0),
    )
  })
}

const stored = (t: TestGateway) => t.gw.db.prepare('SELECT box_id, seq FROM presses ORDER BY id').all()

describe('MQTT over TLS (mqtt.tls)', () => {
  const dir = tempDir('chamdiem-tls-')
  const good = makeCertificates(dir, 'good')
  const wrongDir = tempDir('chamdiem-tls-wrong-')
  const wrong = makeCertificates(wrongDir, 'wrong')

  it('serves mqtts:// and wss:// with the configured certificate; the plain listeners are off', async () => {
    const t = await tlsGateway(good)
    expect(t.config.mqtt.tls).toMatchObject({ port: 0, wsPort: 0 })
    expect([t.gw.broker.port, t.gw.broker.wsPort]).toEqual([0, null]) // mqtt.plain false: nothing listens in clear
    const box1 = await connect(t.mqtts, good.ca, 'box-1')
    await box1.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    const box3 = await connect(t.wss, good.ca, 'box-3')
    await box3.publishAsync(pressTopic('box-3'), press(1, 'negative'), { qos: 1 })
    expect(stored(t)).toEqual([
      { box_id: 'box-1', seq: 1 },
      { box_id: 'box-3', seq: 1 },
    ])
  })

  it('is refused by a box that trusts another CA (mqtt.js and mosquitto_pub), and accepted by mosquitto_pub --cafile with the right one', async () => {
    const t = await tlsGateway(good)
    await expect(connect(t.mqtts, wrong.ca)).rejects.toThrow(/certificate|verify/i)
    await expect(connect(t.wss, wrong.ca)).rejects.toThrow(/certificate|verify/i)
    expect(await mosquittoPub(t.gw.broker.tlsPort!, wrong.ca, 1)).not.toBe(0)
    expect(stored(t)).toEqual([])
    expect(await mosquittoPub(t.gw.broker.tlsPort!, good.ca, 2)).toBe(0)
    expect(stored(t)).toEqual([{ box_id: 'box-2', seq: 2 }])
  })

  it('loads replaced certificate files on reload (SIGHUP): new connections use them, open ones stay', async () => {
    const files = { cert: join(dir, 'live.pem'), key: join(dir, 'live.key') }
    copyFileSync(good.cert, files.cert)
    copyFileSync(good.key, files.key)
    const t = await tlsGateway(files)
    const before = await connect(t.mqtts, good.ca, 'box-1')
    // The certificate is renewed, by another CA: files replaced, then the reload.
    copyFileSync(wrong.cert, files.cert)
    copyFileSync(wrong.key, files.key)
    t.gw.broker.reloadTls()
    const after = await connect(t.mqtts, wrong.ca, 'box-2')
    await expect(connect(t.mqtts, good.ca, 'box-3')).rejects.toThrow(/certificate|verify/i)
    await connect(t.wss, wrong.ca, 'box-3')
    await before.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    await after.publishAsync(pressTopic('box-2'), press(1, 'positive'), { qos: 1 })
    // A broken file is refused with its name, and the certificate in use stays.
    writeFileSync(files.key, 'not a key')
    expect(() => t.gw.broker.reloadTls()).toThrow()
    copyFileSync(good.key, files.key) // a key that does not match the certificate
    expect(() => t.gw.broker.reloadTls()).toThrow()
    await connect(t.mqtts, wrong.ca, 'box-1') // a fresh handshake still gets the renewed certificate
    expect(stored(t)).toEqual([
      { box_id: 'box-1', seq: 1 },
      { box_id: 'box-2', seq: 1 },
    ])
  })

  it('`chamdiem gateway` reloads the certificate files on SIGHUP', async () => {
    const files = { cert: join(dir, 'hup.pem'), key: join(dir, 'hup.key') }
    copyFileSync(good.cert, files.cert)
    copyFileSync(good.key, files.key)
    const tlsPort = await freePort()
    const gw = await childGateway(tempDir('chamdiem-hup-'), { logLevel: 'info', registry: OFFICE, mqtt: { tls: { port: tlsPort, ...files } } })
    await gw.start() // waits for the plain port; the TLS listener may open a moment later
    await waitForPort(tlsPort)
    const url = `mqtts://127.0.0.1:${tlsPort}`
    await connect(url, good.ca, 'box-1')
    copyFileSync(wrong.cert, files.cert)
    copyFileSync(wrong.key, files.key)
    gw.signal('SIGHUP')
    await expect.poll(() => gw.output(), { message: 'the reload to be logged' }).toContain('TLS certificate files reloaded')
    await connect(url, wrong.ca, 'box-2')
    await expect(connect(url, good.ca, 'box-3')).rejects.toThrow(/certificate|verify/i)
    await gw.kill('SIGTERM')
  })

  it('names an unreadable certificate file at start', async () => {
    await expect(startTestGateway({ registry: OFFICE, config: { mqtt: { tls: { port: 0, cert: join(dir, 'missing.pem'), key: good.key } } } })).rejects.toThrow(
      `cannot read mqtt.tls.cert ${join(dir, 'missing.pem')}: ENOENT`,
    )
  })

  it("the device layer's MQTT link connects with --ca", async () => {
    const t = await tlsGateway(good)
    const link = new MqttLink({ url: t.mqtts, boxId: 'box-1', secret: SECRET('box-1'), ca: readFileSync(good.ca) })
    registerCleanup(() => link.stop())
    const up = new Promise<void>((resolve) => link.once('up', () => resolve()))
    await link.start()
    await up
    await link.sendPress({ seq: 1, boot: 'b00t', rating: 'positive', ageMs: 0 })
    expect(stored(t)).toEqual([{ box_id: 'box-1', seq: 1 }])
  })
})
