/**
 * The `notify:` section of the config file: where alerts and the scheduled report go. A
 * webhook (POST JSON) for the province's systems or a chat bridge, e-mail over SMTP to the
 * recipients of each office. Nothing is sent until a section is given.
 */
import { Type, type Static } from '@sinclair/typebox'

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' })

export const WebhookSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'Receiver URL: each alert raised, acknowledged or resolved is POSTed to it as JSON' }),
    headers: Type.Record(Type.String(), Type.String(), { default: {}, description: 'Extra request headers (e.g. an Authorization token); never logged' }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000, description: 'Timeout of one POST' }),
  },
  { additionalProperties: false },
)

export const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'SMTP server' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587, description: 'SMTP port (465 = TLS from the start, see secure)' }),
    secure: Type.Boolean({ default: false, description: 'TLS from the start (port 465); false = STARTTLS when the server offers it' }),
    user: Type.Optional(Type.String({ description: 'SMTP user' })),
    password: Type.Optional(Type.String({ description: 'SMTP password; never logged' })),
    from: Type.String({ default: 'chamdiem@localhost', description: 'Sender address, e.g. "Chấm điểm <canhbao@ubnd.gov.vn>"' }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 15_000, description: 'Timeout of connecting and of each SMTP command' }),
    rejectUnauthorized: Type.Boolean({ default: true, description: "Verify the server's TLS certificate" }),
  },
  { additionalProperties: false },
)

export const NotifySchema = Type.Object(
  {
    webhook: Type.Optional(WebhookSchema),
    smtp: Type.Optional(SmtpSchema),
    recipients: Type.Array(
      Type.Object(
        {
          office: Type.String({ minLength: 1, maxLength: 64, description: 'Office id, or "*" for every office and the gateway\'s own alerts' }),
          to: Type.Array(Email, { minItems: 1, description: 'E-mail addresses' }),
          alerts: Type.Boolean({ default: true, description: 'Send the alerts raised' }),
          reports: Type.Boolean({ default: true, description: 'Send the scheduled report' }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'Who gets e-mail, per office' },
    ),
    kinds: Type.Array(Type.Union(['frowns', 'boxOffline', 'rejected', 'burst', 'tampering', 'system'].map((k) => Type.Literal(k))), {
      default: ['frowns', 'boxOffline', 'rejected', 'burst', 'tampering', 'system'],
      description: 'Kinds of alert delivered',
    }),
    retry: Type.Object(
      {
        attempts: Type.Integer({ minimum: 1, maximum: 100, default: 8, description: 'Tries of one delivery before it is given up (counted in /metrics)' }),
        minBackoffMs: Type.Integer({ minimum: 1, default: 2000, description: 'Wait after the first failure; doubles per failure up to maxBackoffMs' }),
        maxBackoffMs: Type.Integer({ minimum: 1, default: 300_000, description: 'Longest wait between tries' }),
        queueMax: Type.Integer({ minimum: 1, default: 1000, description: 'Deliveries waiting at most; beyond, the oldest is dropped (counted)' }),
      },
      { additionalProperties: false, default: {} },
    ),
    report: Type.Object(
      {
        schedule: Type.Union([Type.Literal('off'), Type.Literal('daily'), Type.Literal('weekly')], {
          default: 'off',
          description: 'E-mail each office its report: daily (the previous day) or weekly (the previous Monday to Sunday)',
        }),
        at: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '07:00', description: 'Local time HH:MM the report is sent (the gateway\'s time zone)' }),
        weekday: Type.Integer({ minimum: 1, maximum: 7, default: 1, description: 'Weekly: ISO weekday it is sent (1 = Monday)' }),
        by: Type.Union([Type.Literal('officer'), Type.Literal('counter')], { default: 'officer', description: 'Rows of the attached CSV' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Delivery of alerts and the scheduled report (webhook, e-mail)' },
)
export type NotifyConfig = Static<typeof NotifySchema>
