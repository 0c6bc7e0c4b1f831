/**
 * The schema of the gateway's YAML config file: every key has a default and a description.
 * `chamdiem gateway --print-config-schema` prints it as JSON Schema; README shows an example.
 */
import { Type, type Static } from '@sinclair/typebox'
import { BoxId, Name, Slug } from '../protocol/index.ts'
import { AlertRulesSchema } from './alerts/rules.ts'
import { NotifySchema } from './alerts/notify-config.ts'

const Port = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description: `${description} (0 = any free port)` })

export const RegistrySchema = Type.Object(
  {
    offices: Type.Array(
      Type.Object({ id: Slug('Office id, e.g. "hcc-hoa-binh"'), name: Name('Office name') }, { additionalProperties: false }),
      { default: [] },
    ),
    counters: Type.Array(
      Type.Object(
        { id: Slug('Counter id'), office: Slug('Office id'), name: Name('Counter name, shown on the dashboard and sent to the boxes') },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    officers: Type.Array(
      Type.Object(
        { id: Slug('Officer id'), office: Slug('Office id'), name: Name('Officer name, shown on the dashboard and sent to the boxes') },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    boxes: Type.Array(
      Type.Object(
        {
          id: BoxId('Box id (its MQTT username)'),
          counter: Type.Optional(Slug('Counter the box stands at')),
          secret: Type.Optional(
            Type.String({
              minLength: 16,
              description:
                'Secret to provision the box with (stored hashed). Omit to keep the current secret; new boxes without one get a random secret printed once.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    shifts: Type.Array(
      Type.Object(
        {
          counter: Slug('Counter id'),
          officer: Slug('Officer id'),
          days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
            minItems: 1,
            description: 'ISO weekdays: 1 = Monday .. 7 = Sunday',
          }),
          from: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Local start time HH:MM' }),
          to: Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$', description: 'Local end time HH:MM (exclusive)' }),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
  },
  {
    additionalProperties: false,
    description:
      'Offices, counters, officers, boxes and shifts. At each start an entry is applied only when new or when the file\'s entry changed since last applied (never deleted; a retired box is never brought back), so dashboard and CLI changes survive.',
  },
)
export type RegistryConfig = Static<typeof RegistrySchema>

export const UsbBoxSchema = Type.Object(
  {
    box: BoxId('Box id the presses are attributed to'),
    path: Type.Optional(Type.String({ description: 'Serial port path, e.g. /dev/ttyACM0' })),
    serialNumber: Type.Optional(Type.String({ description: 'USB serial number, found whatever port it gets' })),
    pins: Type.Optional(
      Type.Object(
        {
          positive: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })),
          neutral: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })),
          negative: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })),
          ledPositive: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })),
          ledNeutral: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })),
          ledNegative: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })),
          buttons: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 19 }), { minItems: 3, maxItems: 5, description: 'Button pins in the order of ratingScale\'s levels, best first (4 or 5 levels: default 2,4,7,8,12)' })),
          leds: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 19 }), { minItems: 3, maxItems: 5, description: 'LED pins in the same order (4 or 5 levels: default 9,10,11,5,3)' })),
          piezo: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 19 }), Type.Null()])),
          invite: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 19 }), Type.Null()], { description: 'Officer-side button that asks for a rating window (null = none)' })),
        },
        { additionalProperties: false, description: 'Wiring; defaults in README "Wiring"' },
      ),
    ),
  },
  { additionalProperties: false },
)

export const InfluxSchema = Type.Object(
  {
    api: Type.Union([Type.Literal('v1'), Type.Literal('v2')], {
      default: 'v2',
      description: 'v2: InfluxDB 2.x/3.x/Cloud/1.8+ via @influxdata/influxdb-client; v1: /write?db= of InfluxDB 1.x',
    }),
    url: Type.String({ default: 'http://127.0.0.1:8086', description: 'Server URL' }),
    token: Type.Optional(Type.String({ description: 'v2: API token (InfluxDB 1.8 compat API: "user:password")' })),
    org: Type.String({ default: 'chamdiem', description: 'v2: organisation' }),
    bucket: Type.String({ default: 'chamdiem', description: 'v2: bucket' }),
    database: Type.String({ default: 'chamdiem', description: 'v1: database' }),
    retentionPolicy: Type.Optional(Type.String({ description: 'v1: retention policy (rp=)' })),
    username: Type.Optional(Type.String({ description: 'v1: user' })),
    password: Type.Optional(Type.String({ description: 'v1: password' })),
    batchSize: Type.Integer({ minimum: 1, maximum: 100000, default: 5000, description: 'Points per write' }),
    flushIntervalMs: Type.Integer({ minimum: 10, default: 1000, description: 'How often the outbox is polled when idle (new presses also wake the forwarder at once)' }),
    minBackoffMs: Type.Integer({ minimum: 1, default: 1000, description: 'First wait after a failed write; doubles per failure (with jitter) up to maxBackoffMs' }),
    maxBackoffMs: Type.Integer({ minimum: 1, default: 60000, description: 'Longest wait between retries' }),
    recheckMs: Type.Integer({
      minimum: 100,
      default: 60000,
      description: 'After a write the server refused for good (bad credentials, unknown database or bucket), forwarding stops and is tried again this often',
    }),
    timeoutMs: Type.Integer({ minimum: 100, default: 10000, description: 'HTTP timeout of one write' }),
    gzip: Type.Boolean({ default: false, description: 'Compress write bodies: saves bandwidth to a remote or cloud server, costs CPU' }),
  },
  { additionalProperties: false },
)

export const CentralSchema = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      description:
        "PostgreSQL URL of the province's central store, with this centre's own role: postgres://centre_x:password@db1:5432,db2:5432/province?target_session_attrs=read-write (several hosts are tried in order; read-write skips replicas)",
    }),
    centre: Slug('This centre\'s id, unique in the province (registered with `chamdiem central add-centre`)'),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA that signed the server certificate' })),
          cert: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of a client certificate (certificate authentication)' })),
          key: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the key of cert' })),
          rejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse a server whose certificate does not verify against ca (false only for tests)' }),
        },
        { additionalProperties: false, description: 'TLS to PostgreSQL (absent = as the URL\'s sslmode says; default none)' },
      ),
    ),
    batchSize: Type.Integer({ minimum: 1, maximum: 50000, default: 2000, description: 'Presses per transaction' }),
    flushIntervalMs: Type.Integer({ minimum: 10, default: 1000, description: 'How often the outbox is polled when idle (new presses also wake the forwarder at once)' }),
    minBackoffMs: Type.Integer({ minimum: 1, default: 1000, description: 'First wait after a failure to reach PostgreSQL; doubles per failure (with jitter) up to maxBackoffMs' }),
    maxBackoffMs: Type.Integer({ minimum: 1, default: 60000, description: 'Longest wait between retries' }),
    recheckMs: Type.Integer({
      minimum: 100,
      default: 60000,
      description: 'After a permanent refusal (authentication, missing schema, wrong schema version, permission denied) forwarding stops and is tried again this often',
    }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10000, description: 'Timeout of one connection attempt (per host)' }),
    registryEveryMs: Type.Integer({ minimum: 1000, default: 300000, description: 'The registry and its history are sent on every change and at least this often' }),
  },
  { additionalProperties: false },
)

export const TlsSchema = Type.Object(
  {
    port: Type.Union([Port(8883, 'MQTT over TLS'), Type.Null()], { default: 8883, description: 'MQTT over TLS (null = off)' }),
    wsPort: Type.Union([Port(9443, 'MQTT over secure WebSocket (wss://)'), Type.Null()], { default: null, description: 'MQTT over secure WebSocket (null = off)' }),
    cert: Type.String({ minLength: 1, description: 'PEM file of the server certificate (its name or IP as the boxes reach the gateway); read again on SIGHUP' }),
    key: Type.String({ minLength: 1, description: 'PEM file of the private key of cert; read again on SIGHUP' }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of intermediate CA certificates sent with cert (the chain); read again on SIGHUP' })),
  },
  { additionalProperties: false, description: 'MQTT over TLS and WSS (absent = off). Boxes verify the certificate against their CA file (chamdiem box run --ca)' },
)

/** The official layout of printed reports and exports (Decree 30/2020/NĐ-CP on administrative documents). */
export const ReportConfigSchema = Type.Object(
  {
    authority: Type.String({ default: '', description: 'Governing body printed above the issuing unit (cơ quan chủ quản), e.g. "UBND PHƯỜNG BẾN THÀNH"; empty = none' }),
    unit: Type.String({ default: '', description: 'Issuing unit on printed reports and exports; empty = the office name' }),
    place: Type.String({ default: '', description: 'Place before the date: "<place>, ngày 28 tháng 11 năm 2026"; empty = the date alone' }),
    number: Type.String({ default: 'Số:      /BC-TTPVHCC', description: 'The document number line, filled in by hand when left blank' }),
    title: Type.String({
      default: 'Kết quả đánh giá sự hài lòng của tổ chức, cá nhân đối với việc tiếp nhận, giải quyết thủ tục hành chính',
      description: 'Title under "BÁO CÁO"; the period follows it',
    }),
    signatories: Type.Array(
      Type.Object({ role: Type.String({ minLength: 1, description: 'e.g. "GIÁM ĐỐC"' }), name: Type.String({ default: '', description: 'Printed under the signature; empty = left to write by hand' }) }, { additionalProperties: false }),
      { maxItems: 3, default: [{ role: 'NGƯỜI LẬP BÁO CÁO', name: '' }, { role: 'GIÁM ĐỐC', name: '' }], description: 'Signature blocks, left to right; the last one signs for the unit' },
    ),
    recipients: Type.Array(Type.String(), { default: ['Như trên;', 'Lưu: VT.'], description: 'The "Nơi nhận" list' }),
  },
  { additionalProperties: false, default: {} },
)

/** Rating windows (issue 13): how long one stays open, and whether presses outside any window count. */
export const WindowsSchema = Type.Object(
  {
    timeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 60_000, description: 'How long a rating window stays open when the opener gives no time; then it is recorded as not rated' }),
    noWindowCounts: Type.Boolean({
      default: true,
      description: 'Presses made outside any rating window count (flagged no_window). false: they are stored flagged and left out of the counts, like repeats',
    }),
    offices: Type.Record(
      Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
      Type.Object({ noWindowCounts: Type.Boolean({ description: 'This office\'s choice, over windows.noWindowCounts' }) }, { additionalProperties: false }),
      { default: {}, description: 'Per office (by id): noWindowCounts' },
    ),
    inviteMaxAgeMs: Type.Integer({ minimum: 0, default: 10_000, description: "An officer-side button's request older than this (queued while offline) opens no window" }),
  },
  { additionalProperties: false, default: {} },
)

/** The deployment's rating scale (protocol/rating-scale.ts): a preset, or levels of its own. */
export const RatingScaleSchema = Type.Object(
  {
    preset: Type.Union([Type.Literal(3), Type.Literal(4), Type.Literal(5)], {
      default: 3,
      description:
        '3: Rất hài lòng / Hài lòng / Không hài lòng (positive, neutral, negative; the first two satisfied). 5: the Ministry of Information and Communications survey, Rất hài lòng / Hài lòng / Bình thường / Không hài lòng / Rất không hài lòng (positive, neutral, fair, negative, very-negative; the first two satisfied). 4: the five without Bình thường (fair). Each id keeps one meaning on every scale. Used when levels is not given',
    }),
    levels: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ description: 'positive, neutral, fair, negative or very-negative (what a box sends), best first in that order' }),
            label: Type.String({ minLength: 1, maxLength: 64, description: 'Vietnamese label in reports and on the dashboard' }),
            labelEn: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'English label (default: label)' })),
            score: Type.Number({ minimum: 0, maximum: 100, description: 'Points of one press at this level; the index is their mean (0-100)' }),
            satisfied: Type.Boolean({ description: 'Counts towards the satisfaction rate' }),
          },
          { additionalProperties: false },
        ),
        { description: 'The levels, best first (3 to 5); instead of preset. A box has one button per level, in this order' },
      ),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Rating scale: how many levels a box has, their labels, scores and which count as satisfied' },
)

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './data', description: 'Folder of the SQLite database (chamdiem.db) and other state' }),
    timezone: Type.String({ default: 'Asia/Ho_Chi_Minh', description: 'IANA time zone of shifts, "today" and office hours' }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Log level' },
    ),
    mqtt: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0', description: 'Address the MQTT listeners bind to' }),
        port: Port(1883, 'MQTT over TCP, in clear'),
        wsPort: Type.Union([Port(9001, 'MQTT over WebSocket'), Type.Null()], { default: 9001, description: 'MQTT over WebSocket, in clear (null = off)' }),
        plain: Type.Boolean({
          default: true,
          description: 'Listen in clear on mqtt.port and mqtt.wsPort. false = no listener in clear: boxes connect only through mqtt.tls, so no secret crosses the network readable',
        }),
        tls: Type.Optional(TlsSchema),
        concurrency: Type.Integer({ minimum: 1, default: 1000, description: 'Aedes in-flight message limit' }),
        maxPacketBytes: Type.Integer({
          minimum: 256,
          maximum: 268_435_455,
          default: 4096,
          description:
            'Largest MQTT packet a client may send, counted as the remaining length of its fixed header (variable header + payload). A connection whose packet announces more is closed at once, before the body is read (before authentication too); a WebSocket frame may carry at most this + 5 bytes',
        }),
        maxTakeoversPerMinute: Type.Integer({
          minimum: 1,
          default: 6,
          description: "A box holds one connection; a new one takes the old one's place. More takeovers than this within a minute (two clients with the same credentials) refuse the box's new connections for takeoverLockoutMs",
        }),
        takeoverLockoutMs: Type.Integer({ minimum: 0, default: 60_000, description: 'How long new connections of a box whose connections keep taking each other over are refused' }),
      },
      { additionalProperties: false, default: {} },
    ),
    ingest: Type.Object(
      {
        cooldownMs: Type.Integer({ minimum: 0, default: 5000, description: 'Presses within this time after a counted press of the same box are repeats' }),
        feedbackMs: Type.Integer({ minimum: 0, default: 1500, description: 'LED feedback time sent to boxes' }),
        maxAgeMs: Type.Integer({ minimum: 0, default: 7 * 24 * 3600 * 1000, description: 'Older queued presses (ageMs) are rejected as absurd' }),
        maxBatch: Type.Integer({ minimum: 1, default: 2000, description: 'Most presses committed in one transaction' }),
        burst: Type.Object(
          {
            presses: Type.Integer({ minimum: 1, default: 20, description: 'Most presses (counted and repeats) of one box within windowMs of press time' }),
            windowMs: Type.Integer({ minimum: 1, default: 10_000, description: 'The window of the human rate' }),
          },
          {
            additionalProperties: false,
            default: {},
            description: 'Human rate per box: presses beyond it are stored flagged as bursts, never counted, and raise an alert',
          },
        ),
        maxFutureSkewMs: Type.Integer({ minimum: 0, default: 5000, description: "A press dated later than the gateway's now plus this is rejected; a stored press that far ahead (the clock once ran ahead) is not trusted for the cooldown" }),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0', description: 'Address the dashboard and API bind to' }),
        port: Port(8080, 'Dashboard and API'),
        enabled: Type.Boolean({ default: true, description: 'Serve the dashboard and API' }),
        publicView: Type.Boolean({ default: false, description: "Serve /public/<office>: today's office-wide satisfaction for citizens, without login and never per officer" }),
      },
      { additionalProperties: false, default: {} },
    ),
    influx: Type.Union([InfluxSchema, Type.Null()], { default: null, description: 'InfluxDB forwarding (null = off)' }),
    central: Type.Union([CentralSchema, Type.Null()], { default: null, description: "Forwarding to the province's central PostgreSQL (null = off; docs/central.md)" }),
    storage: Type.Object(
      {
        walMaxMB: Type.Integer({ minimum: 1, default: 64, description: 'A write-ahead log larger than this is checkpointed whole and truncated (bounds the WAL under sustained ingest)' }),
        startCheckWaitMs: Type.Integer({ minimum: 0, default: 10000, description: 'The integrity check at start delays the start by at most this long; a larger database is checked on in the background' }),
        minFreeMB: Type.Integer({ minimum: 0, default: 512, description: 'Below this much free space on the data directory\'s disk, health and /metrics say so and the log warns' }),
      },
      { additionalProperties: false, default: {} },
    ),
    retention: Type.Object(
      {
        rejectedPayloadDays: Type.Integer({ minimum: 1, default: 90, description: 'Raw bytes of rejected messages are cleared after this many days (the row and its reason stay)' }),
        pressesDays: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
          default: null,
          description: 'Presses older than this many days are deleted (null = kept forever); never before every configured forwarder has shipped them',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    backup: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Take a backup every day at `at` (online; the gateway keeps ingesting)' }),
        at: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '02:30', description: 'Local time HH:MM of the daily backup' }),
        dir: Type.Optional(Type.String({ description: 'Folder of the daily backups (default: <dataDir>/backups; better on another disk)' })),
        keep: Type.Integer({ minimum: 1, default: 14, description: 'Daily backups kept; older ones are removed' }),
      },
      { additionalProperties: false, default: {} },
    ),
    clock: Type.Object(
      {
        countWhileBad: Type.Boolean({
          default: true,
          description: 'Presses received while the host clock is known bad (not synchronised, or went backwards) are always stored and flagged; true: they also count in reports (the rating is real, only its time is in doubt), false: they are kept out of counts like repeats',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    officerResults: Type.Object(
      {
        until: Type.Union([Type.Literal('previous-day'), Type.Literal('previous-week'), Type.Literal('previous-month')], {
          default: 'previous-day',
          description: "An officer's own results page shows presses up to the end of the previous day, week or month, never today's: no one is pressed in real time",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    alerts: Type.Object(AlertRulesSchema.properties, {
      additionalProperties: false,
      default: {},
      description: 'Alert rules, each with its window and minimum sample (an admin may change them on the dashboard)',
    }),
    notify: NotifySchema,
    report: ReportConfigSchema,
    ratingScale: RatingScaleSchema,
    windows: WindowsSchema,
    usb: Type.Array(UsbBoxSchema, { default: [], description: 'Boxes plugged into this host by USB, run in-process' }),
    registry: Type.Optional(RegistrySchema),
  },
  { additionalProperties: false },
)

export type GatewayConfig = Static<typeof ConfigSchema>
