/**
 * A real SMTP server in-process (smtp-server) on a free loopback port, keeping every mail it
 * accepts, read back as an office head's mail client would show it: sender, recipients,
 * subject, text and attachments (a small MIME reader: multipart, quoted-printable, base64,
 * encoded words). Closed when the test (or file) is done.
 */
import { SMTPServer } from 'smtp-server'
import { registerCleanup } from '../cleanup.ts'

export interface ReceivedMail {
  /** Envelope: MAIL FROM and RCPT TO. */
  from: string
  to: string[]
  subject: string
  text: string
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>
  raw: string
}

export interface TestSmtp {
  port: number
  mails: ReceivedMail[]
  /** Resolves with the next mail (or one already received and not yet taken). */
  next(timeoutMs?: number): Promise<ReceivedMail>
}

export async function startSmtpServer(): Promise<TestSmtp> {
  const mails: ReceivedMail[] = []
  let taken = 0
  const waiters: Array<() => void> = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, ...readMime(raw) })
        for (const w of waiters.splice(0)) w()
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.server.address() as { port: number }).port
  registerCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return {
    port,
    mails,
    async next(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (taken >= mails.length) {
        if (Date.now() > deadline) throw new Error(`no mail within ${timeoutMs} ms`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 200)
        })
      }
      return mails[taken++]
    },
  }
}

function headersOf(block: string): Map<string, string> {
  const map = new Map<string, string>()
  // Folded header lines continue with whitespace.
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i > 0) map.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim())
  }
  return map
}

function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _cs: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    )
}

function decodeBody(body: string, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').toLowerCase()
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64')
  if (enc === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)))
    return Buffer.from(bytes, 'latin1')
  }
  return Buffer.from(body, 'utf8')
}

function readMime(raw: string): Pick<ReceivedMail, 'subject' | 'text' | 'attachments'> {
  const out: Pick<ReceivedMail, 'subject' | 'text' | 'attachments'> = { subject: '', text: '', attachments: [] }
  const walk = (part: string, top: boolean) => {
    const split = part.search(/\r?\n\r?\n/)
    const head = headersOf(part.slice(0, split))
    const body = part.slice(split).replace(/^\r?\n\r?\n/, '')
    if (top) out.subject = decodeWords(head.get('subject') ?? '')
    const type = head.get('content-type') ?? 'text/plain'
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1]
    if (boundary) {
      for (const sub of body.split(`--${boundary}`).slice(1)) if (!sub.startsWith('--')) walk(sub.replace(/^\r?\n/, ''), false)
      return
    }
    const disposition = head.get('content-disposition') ?? ''
    const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1]
    const content = decodeBody(body, head.get('content-transfer-encoding'))
    if (filename) out.attachments.push({ filename: decodeWords(filename), contentType: type, content })
    else if (type.startsWith('text/plain')) out.text = content.toString('utf8').replace(/\r\n/g, '\n').trimEnd()
  }
  walk(raw, true)
  return out
}
