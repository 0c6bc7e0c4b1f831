/**
 * E-mail over SMTP with nodemailer, loaded on the first mail (an idle gateway, or one that
 * never mails, does not load it). One pooled transport per gateway.
 */
import type { Transporter } from 'nodemailer'
import type { Static } from '@sinclair/typebox'
import type { SmtpSchema } from './notify-config.ts'

export interface MailMessage {
  to: string[]
  subject: string
  text: string
  attachments?: Array<{ filename: string; content: string | Buffer; contentType: string }>
}

export class Mailer {
  private transport?: Promise<Transporter>

  constructor(private readonly smtp: Static<typeof SmtpSchema>) {}

  async send(msg: MailMessage): Promise<void> {
    const { smtp } = this
    this.transport ??= import('nodemailer').then((m) =>
      m.default.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
        connectionTimeout: smtp.timeoutMs,
        greetingTimeout: smtp.timeoutMs,
        socketTimeout: smtp.timeoutMs,
        tls: { rejectUnauthorized: smtp.rejectUnauthorized },
      }),
    )
    const transport = await this.transport
    await transport.sendMail({ from: smtp.from, to: msg.to.join(', '), subject: msg.subject, text: msg.text, attachments: msg.attachments })
  }

  close(): void {
    void this.transport?.then((t) => t.close()).catch(() => undefined)
    this.transport = undefined
  }
}
