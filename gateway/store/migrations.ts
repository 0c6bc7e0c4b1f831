/**
 * Versioned schema of the SQLite store. Each migration runs once, in order, inside a
 * transaction; `PRAGMA user_version` records how far a database has come. Never edit a
 * migration that has shipped: append a new one.
 *
 * Times are integers in milliseconds since the Unix epoch (UTC). Ids of offices, counters and
 * officers are short slugs chosen by the office (used in reports, InfluxDB tags and the CLI).
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'registry, presses, rejected messages',
    sql: `
      CREATE TABLE offices (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL
      );
      CREATE TABLE counters (
        id TEXT PRIMARY KEY,
        office_id TEXT NOT NULL REFERENCES offices(id),
        name TEXT NOT NULL
      );
      CREATE TABLE officers (
        id TEXT PRIMARY KEY,
        office_id TEXT NOT NULL REFERENCES offices(id),
        name TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
      );
      -- secret_hash: sha256 of the box secret (a 32-byte random token, so a slow hash adds
      -- nothing but connect latency for thousands of boxes).
      CREATE TABLE boxes (
        id TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        retired_at INTEGER,
        last_seen_at INTEGER,
        last_state TEXT,
        last_status TEXT,
        last_press_at INTEGER
      );
      -- Which counter a box stood at, over time. to_ms NULL = still there.
      CREATE TABLE box_assignments (
        id INTEGER PRIMARY KEY,
        box_id TEXT NOT NULL REFERENCES boxes(id),
        counter_id TEXT NOT NULL REFERENCES counters(id),
        from_ms INTEGER NOT NULL,
        to_ms INTEGER
      );
      CREATE INDEX box_assignments_box ON box_assignments(box_id, from_ms);
      -- Explicit duty: an officer signed in at a counter (end_ms NULL = still on duty).
      -- officer_id NULL records "nobody" (a scheduled officer who signed out early).
      CREATE TABLE duty_sessions (
        id INTEGER PRIMARY KEY,
        counter_id TEXT NOT NULL REFERENCES counters(id),
        officer_id TEXT REFERENCES officers(id),
        start_ms INTEGER NOT NULL,
        end_ms INTEGER,
        source TEXT NOT NULL DEFAULT 'api'
      );
      CREATE INDEX duty_sessions_counter ON duty_sessions(counter_id, start_ms);
      -- Weekly schedule in the office's local time: weekday 1 = Monday .. 7 = Sunday,
      -- minutes since local midnight, end exclusive.
      CREATE TABLE shifts (
        id INTEGER PRIMARY KEY,
        counter_id TEXT NOT NULL REFERENCES counters(id),
        officer_id TEXT NOT NULL REFERENCES officers(id),
        weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
        start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
        end_min INTEGER NOT NULL CHECK (end_min BETWEEN 1 AND 1440 AND end_min > start_min)
      );
      CREATE INDEX shifts_counter ON shifts(counter_id, weekday);
      -- Every accepted press; the rowid order is also the outbox order for forwarders.
      -- time_ms = received_at - age_ms. repeat = 1: within the cooldown, left out of counts.
      CREATE TABLE presses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        box_id TEXT NOT NULL,
        boot TEXT NOT NULL,
        seq INTEGER NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('positive', 'neutral', 'negative')),
        repeat INTEGER NOT NULL DEFAULT 0,
        received_at INTEGER NOT NULL,
        age_ms INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        office_id TEXT,
        counter_id TEXT,
        officer_id TEXT,
        UNIQUE (box_id, boot, seq)
      );
      -- Reports and the live view select a time range, then group: one index serves them,
      -- and every index more costs each press an extra b-tree insert.
      CREATE INDEX presses_time ON presses(time_ms);
      -- Messages that could not be counted: raw bytes and the reason, for the dashboard.
      CREATE TABLE rejected (
        id INTEGER PRIMARY KEY,
        box_id TEXT,
        topic TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        raw BLOB NOT NULL
      );
      CREATE INDEX rejected_time ON rejected(received_at);
    `,
  },
  {
    version: 2,
    name: 'dashboard users and sessions, forwarder cursors',
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'head', 'viewer')),
        office_id TEXT REFERENCES offices(id),
        created_at INTEGER NOT NULL
      );
      CREATE TABLE user_sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      -- A forwarder's position in the presses table: every press with id <= last_press_id
      -- has been accepted by that destination.
      CREATE TABLE forwarder_cursors (
        name TEXT PRIMARY KEY,
        last_press_id INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'dashboard settings (alert thresholds, office hours)',
    sql: `
      -- One JSON document per key (e.g. 'alerts'), edited by admins on the dashboard.
      CREATE TABLE dashboard_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'registry file entries as last applied',
    sql: `
      -- The config file's registry entries as last applied (registry-import.ts): an entry is
      -- applied again only when the file's entry itself changed, so changes made since in the
      -- dashboard or CLI survive restarts. kind: office, counter, officer, box, box.secret,
      -- shift; key: the entry's id (a shift: its content); hash: sha256 of the entry.
      CREATE TABLE registry_file_applied (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        hash TEXT NOT NULL,
        applied_at INTEGER NOT NULL,
        PRIMARY KEY (kind, key)
      );
    `,
  },
  {
    version: 5,
    name: 'presses flagged as bursts',
    sql: `
      -- burst = 1: a press beyond a human rate for its box (ingest.burst), never counted. It is
      -- stored with repeat = 1 too, so every count that leaves repeats out leaves bursts out;
      -- reports show repeats (repeat = 1 AND burst = 0) and bursts apart.
      ALTER TABLE presses ADD COLUMN burst INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 6,
    name: 'presses flagged as received while the clock was bad',
    sql: `
      -- clock_bad = 1: received while the clock guard knew the host clock wrong (not
      -- synchronised, or it went backwards), so its day, shift and officer may be wrong. Kept
      -- and shown apart; counted unless clock.countWhileBad is false (then stored with
      -- repeat = 1 too, so every count that leaves repeats out leaves it out).
      ALTER TABLE presses ADD COLUMN clock_bad INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 7,
    name: 'alerts with their history',
    sql: `
      -- One row per alert raised (gateway/alerts/history.ts). key: what it is about (kind and
      -- subject, e.g. frowns:q1); at most one alert per key is not resolved. condition: the
      -- condition as raised, JSON (its figures then). A named user acknowledges with a comment.
      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        office_id TEXT,
        counter_id TEXT,
        officer_id TEXT,
        box_id TEXT,
        condition TEXT NOT NULL,
        raised_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
        resolved_at INTEGER,
        acknowledged_at INTEGER,
        acknowledged_by TEXT,
        ack_comment TEXT
      );
      CREATE UNIQUE INDEX alerts_active ON alerts(key) WHERE state != 'resolved';
      CREATE INDEX alerts_raised ON alerts(raised_at);
      -- Each step of an alert: raised, acknowledged (user_name, comment), resolved.
      CREATE TABLE alert_events (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts(id),
        at INTEGER NOT NULL,
        event TEXT NOT NULL CHECK (event IN ('raised', 'acknowledged', 'resolved')),
        user_name TEXT,
        comment TEXT
      );
      CREATE INDEX alert_events_alert ON alert_events(alert_id);
    `,
  },
  {
    version: 8,
    name: 'audit trail; officer accounts',
    sql: `
      -- The hash-chained audit trail (audit.ts). No foreign keys: history outlives what it
      -- names. prev_hash UNIQUE: two writers can never chain to the same entry.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        source TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        office_id TEXT,
        counter_id TEXT,
        officer_id TEXT,
        effective_at INTEGER,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_log_at ON audit_log(at);
      CREATE INDEX audit_log_effective ON audit_log(effective_at) WHERE effective_at IS NOT NULL;
      -- Append-only for every code path; the chain detects whoever drops these.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      -- Dashboard role 'officer' (sees only their own results), linked to an officer. SQLite
      -- cannot change a CHECK constraint in place: rebuild users, keeping the sessions that
      -- DROP TABLE would cascade away.
      CREATE TABLE users_v6 (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'head', 'viewer', 'officer')),
        office_id TEXT REFERENCES offices(id),
        created_at INTEGER NOT NULL,
        officer_id TEXT REFERENCES officers(id),
        CHECK ((role = 'officer') = (officer_id IS NOT NULL))
      );
      INSERT INTO users_v6 (id, username, password_hash, role, office_id, created_at)
        SELECT id, username, password_hash, role, office_id, created_at FROM users;
      CREATE TEMP TABLE user_sessions_v6 AS SELECT * FROM user_sessions;
      DROP TABLE users;
      ALTER TABLE users_v6 RENAME TO users;
      INSERT INTO user_sessions SELECT * FROM temp.user_sessions_v6;
      DROP TABLE temp.user_sessions_v6;
    `,
  },
  {
    version: 9,
    name: 'dashboard users who must change their password',
    sql: `
      -- 1: the password was printed (the first admin) or set by an admin (a reset): the user
      -- can do nothing but change it (gateway/http/auth.ts). Users who exist already keep 0.
      ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 10,
    name: 'display tokens for wall screens',
    sql: `
      -- A read-only token for a wall screen (gateway/http/display-tokens.ts): shows one office's
      -- live view and its event stream, nothing else. Only the sha256 of the token is kept;
      -- revoked_at set = no longer accepted (kept for the record).
      CREATE TABLE display_tokens (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        office_id TEXT NOT NULL,
        label TEXT NOT NULL,
        created_by TEXT,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      );
    `,
  },
  {
    version: 11,
    name: 'rating windows, presses tied to them, integration tokens',
    sql: `
      -- A rating window (issue 13) opened at a counter by a queue system, a counter app, the
      -- dashboard or the officer's button. Whether it was rated is not stored here: it is
      -- rated when a counted press carries its id (presses.window_id), so a press whose
      -- commit failed never makes a window look rated. close_reason: rated, timeout,
      -- superseded (the next window opened), closed (closed by hand).
      CREATE TABLE windows (
        id TEXT PRIMARY KEY,
        office_id TEXT NOT NULL,
        counter_id TEXT NOT NULL,
        officer_id TEXT,
        reference TEXT,
        opened_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        closed_at INTEGER,
        close_reason TEXT,
        opened_by TEXT NOT NULL
      );
      CREATE INDEX windows_counter ON windows (counter_id, opened_at);
      CREATE INDEX windows_office ON windows (office_id, opened_at);
      -- window_id: the window the press rated; no_window = 1: made outside any window (stored
      -- with repeat = 1 too when the office does not count such presses).
      ALTER TABLE presses ADD COLUMN window_id TEXT;
      ALTER TABLE presses ADD COLUMN no_window INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX presses_window ON presses (window_id) WHERE window_id IS NOT NULL;
      -- Tokens of integrations (queue systems, counter apps, BI tools): token_hash is the
      -- sha256 of the token (32 random bytes). scopes: comma-separated (windows, read).
      CREATE TABLE integration_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        office_id TEXT NOT NULL,
        scopes TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT,
        revoked_at INTEGER,
        last_used_at INTEGER
      );
    `,
  },
  {
    version: 12,
    name: 'presses at any level of a four- or five-level rating scale',
    sql: `
      -- A deployment rates on 3, 4 or 5 levels (config ratingScale): presses.rating takes the
      -- protocol's five ids. SQLite cannot change a CHECK constraint in place: rebuild presses
      -- with the same columns, rows and ids, and keep the AUTOINCREMENT counter where it was
      -- (forwarder cursors are press ids: an id must never be handed out twice).
      CREATE TABLE presses_v12 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        box_id TEXT NOT NULL,
        boot TEXT NOT NULL,
        seq INTEGER NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('positive', 'neutral', 'fair', 'negative', 'very-negative')),
        repeat INTEGER NOT NULL DEFAULT 0,
        received_at INTEGER NOT NULL,
        age_ms INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        office_id TEXT,
        counter_id TEXT,
        officer_id TEXT,
        burst INTEGER NOT NULL DEFAULT 0,
        clock_bad INTEGER NOT NULL DEFAULT 0,
        window_id TEXT,
        no_window INTEGER NOT NULL DEFAULT 0,
        UNIQUE (box_id, boot, seq)
      );
      INSERT INTO presses_v12 (id, box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id, burst, clock_bad, window_id, no_window)
        SELECT id, box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id, burst, clock_bad, window_id, no_window FROM presses ORDER BY id;
      CREATE TEMP TABLE presses_seq_v12 AS SELECT seq FROM sqlite_sequence WHERE name = 'presses';
      DROP TABLE presses;
      ALTER TABLE presses_v12 RENAME TO presses;
      UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM temp.presses_seq_v12), 0)) WHERE name = 'presses';
      INSERT INTO sqlite_sequence (name, seq)
        SELECT 'presses', seq FROM temp.presses_seq_v12 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'presses');
      DROP TABLE temp.presses_seq_v12;
      CREATE INDEX presses_time ON presses(time_ms);
      CREATE INDEX presses_window ON presses (window_id) WHERE window_id IS NOT NULL;
    `,
  },
  {
    version: 13,
    name: 'a registry version that only registry changes bump',
    sql: `
      -- The gateway notices registry changes made by another process (the CLI) by this
      -- number: PRAGMA data_version also moves with every commit of any other connection,
      -- the gateway's own included (a writer thread, as tried for issue 14). The boxes' contact columns (last_seen_at,
      -- last_state, last_status, last_press_at) change with every few presses and are no
      -- registry change: only the other columns of boxes bump it.
      CREATE TABLE registry_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
      );
      INSERT INTO registry_version (id, n) VALUES (1, 0);
      CREATE TRIGGER registry_version_offices_insert AFTER INSERT ON offices BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_offices_update AFTER UPDATE ON offices BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_offices_delete AFTER DELETE ON offices BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_counters_insert AFTER INSERT ON counters BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_counters_update AFTER UPDATE ON counters BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_counters_delete AFTER DELETE ON counters BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_officers_insert AFTER INSERT ON officers BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_officers_update AFTER UPDATE ON officers BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_officers_delete AFTER DELETE ON officers BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_box_assignments_insert AFTER INSERT ON box_assignments BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_box_assignments_update AFTER UPDATE ON box_assignments BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_box_assignments_delete AFTER DELETE ON box_assignments BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_duty_sessions_insert AFTER INSERT ON duty_sessions BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_duty_sessions_update AFTER UPDATE ON duty_sessions BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_duty_sessions_delete AFTER DELETE ON duty_sessions BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_shifts_insert AFTER INSERT ON shifts BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_shifts_update AFTER UPDATE ON shifts BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_shifts_delete AFTER DELETE ON shifts BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_boxes_insert AFTER INSERT ON boxes BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_boxes_delete AFTER DELETE ON boxes BEGIN UPDATE registry_version SET n = n + 1; END;
      CREATE TRIGGER registry_version_boxes_update AFTER UPDATE OF id, secret_hash, created_at, retired_at ON boxes BEGIN UPDATE registry_version SET n = n + 1; END;
    `,
  },
  {
    version: 14,
    name: 'bursts found without reading every press',
    sql: `
      -- The burst alert reads the bursts of the last minutes; they are rare, the presses of
      -- those minutes are not (a flood reads as many rows as it sent).
      CREATE INDEX presses_burst ON presses(time_ms) WHERE burst = 1;
    `,
  },
  {
    version: 15,
    name: 'duty sessions found by their end',
    sql: `
      -- Attribution caches an answer for an hour when no session at the counter starts or ends
      -- inside it: the ends are looked up per counter too.
      CREATE INDEX duty_sessions_counter_end ON duty_sessions(counter_id, end_ms) WHERE end_ms IS NOT NULL;
    `,
  },
]
