/**
 * The province's central store in PostgreSQL: versioned migrations of schema `chamdiem`.
 * `chamdiem central migrate --url` applies them (as the database owner); gateways refuse to
 * forward into a schema whose version is not the one they were built for (forwarder.ts).
 *
 * Identity across the province: a centre id is unique province-wide; counter, officer, box
 * and office ids only within their centre (two centres both have a `q1`), so every table is
 * keyed (centre_id, id). An officer may carry a province staff code, set by the province (a
 * gateway cannot write it), so a person moved between centres is one person in reports.
 *
 * Least privilege (row-level security):
 * - `chamdiem_gateway` (NOLOGIN group): each centre's login role is a member, and
 *   `chamdiem.centres.role` names the one login role of each centre. A gateway inserts and
 *   updates only rows of its own centre and reads nothing else. Presses and rejected
 *   messages are insert-only: what a gateway forwarded, it cannot rewrite centrally.
 * - `chamdiem_reader` (NOLOGIN group): reads everything (the central server, oversight).
 * - the owner (who migrates) administers: centres, roles, staff codes.
 *
 * Never edit a migration that has shipped: append one, and raise CENTRAL_SCHEMA_VERSION.
 */
export interface CentralMigration {
  version: number
  name: string
  sql: string
}

/** Tables a gateway writes, each keyed by centre_id. */
const CENTRE_TABLES = ['offices', 'counters', 'officers', 'boxes', 'box_assignments', 'duty_sessions', 'shifts', 'presses', 'rejected'] as const

/** Row-level security of one table: own centre for gateways, everything for readers. */
function policies(table: string, gatewayWrites: 'insert' | 'upsert'): string {
  const t = `chamdiem.${table}`
  // A sub-select: evaluated once per statement (an InitPlan), not once per row.
  const own = 'centre_id = (SELECT chamdiem.gateway_centre())'
  return `
    ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY reader_all ON ${t} FOR SELECT TO chamdiem_reader USING (true);
    CREATE POLICY gateway_select ON ${t} FOR SELECT TO chamdiem_gateway USING (${own});
    CREATE POLICY gateway_insert ON ${t} FOR INSERT TO chamdiem_gateway WITH CHECK (${own});
    ${gatewayWrites === 'upsert' ? `CREATE POLICY gateway_update ON ${t} FOR UPDATE TO chamdiem_gateway USING (${own}) WITH CHECK (${own});` : ''}
    GRANT SELECT ON ${t} TO chamdiem_reader;
    GRANT SELECT, INSERT ON ${t} TO chamdiem_gateway;
  `
}

/**
 * Daily roll-ups (migration 2): non-repeat presses counted per centre and day, and per
 * (centre, officer) and day, so the province's quarter or year ranking reads some 10^5
 * roll-up rows instead of 10^7 presses (bench/suites/central.ts).
 *
 * They are kept in step by statement-level triggers on presses, in the transaction of the
 * statement that changed the presses: only rows actually inserted are counted (a batch sent
 * again after a kill -9 between COMMIT and cursor inserts nothing under ON CONFLICT DO
 * NOTHING, so its transition table is empty), and a rolled-back batch rolls its counts back.
 * The trigger function is SECURITY DEFINER (the owner's): a gateway's role has no privilege
 * on the roll-up tables beyond reading its own centre's rows (row-level security), so it
 * writes roll-ups only through its own presses, which RLS already confines to its centre: it
 * can neither write another centre's roll-ups nor forge its own.
 *
 * The day is the local date in rollup_settings.time_zone (the province's, default Vietnam's).
 * Changing it: UPDATE chamdiem.rollup_settings SET time_zone = ...; SELECT
 * chamdiem.rebuild_rollups(); (as the owner). Queries check that a period's ends fall on
 * roll-up days and read presses for any part that does not (province-queries.ts).
 */
/** The roll-up rows of `rows` (a transition table, or presses), added (sign '') or taken away ('-'). */
function rollupApply(rows: string, sign: '' | '-'): string {
  const counts = ['positive', 'neutral', 'negative'].map((r) => `${sign}count(*) FILTER (WHERE rating = '${r}')`).join(', ')
  const add = ['positive', 'neutral', 'negative'].map((r) => `${r} = d.${r} + excluded.${r}`).join(', ')
  return `
    INSERT INTO chamdiem.daily_centres AS d (centre_id, day, positive, neutral, negative)
      SELECT centre_id, chamdiem.press_day(time_ms, zone), ${counts} FROM ${rows} WHERE NOT repeat GROUP BY 1, 2
      ON CONFLICT (centre_id, day) DO UPDATE SET ${add};
    INSERT INTO chamdiem.daily_officers AS d (centre_id, officer_id, day, positive, neutral, negative)
      SELECT centre_id, officer_id, chamdiem.press_day(time_ms, zone), ${counts} FROM ${rows} WHERE NOT repeat AND officer_id IS NOT NULL GROUP BY 1, 2, 3
      ON CONFLICT (centre_id, officer_id, day) DO UPDATE SET ${add};`
}

const ROLLUPS_SQL = `
  CREATE TABLE chamdiem.rollup_settings (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh' CHECK (now() AT TIME ZONE time_zone IS NOT NULL)
  );
  INSERT INTO chamdiem.rollup_settings DEFAULT VALUES;
  GRANT SELECT ON chamdiem.rollup_settings TO chamdiem_gateway, chamdiem_reader;

  -- Whole seconds (integer division): a day starts on a whole second, so no rounding can
  -- move a press across midnight.
  CREATE FUNCTION chamdiem.press_day(time_ms bigint, zone text) RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $f$ SELECT (to_timestamp(time_ms / 1000) AT TIME ZONE zone)::date $f$;

  CREATE TABLE chamdiem.daily_centres (
    centre_id text NOT NULL REFERENCES chamdiem.centres(id),
    day date NOT NULL,
    positive integer NOT NULL,
    neutral integer NOT NULL,
    negative integer NOT NULL,
    PRIMARY KEY (centre_id, day)
  );
  CREATE INDEX daily_centres_day ON chamdiem.daily_centres (day);
  CREATE TABLE chamdiem.daily_officers (
    centre_id text NOT NULL REFERENCES chamdiem.centres(id),
    officer_id text NOT NULL,
    day date NOT NULL,
    positive integer NOT NULL,
    neutral integer NOT NULL,
    negative integer NOT NULL,
    PRIMARY KEY (centre_id, officer_id, day)
  );
  CREATE INDEX daily_officers_day ON chamdiem.daily_officers (day);
  ${['daily_centres', 'daily_officers']
    .map(
      (t) => `
  ALTER TABLE chamdiem.${t} ENABLE ROW LEVEL SECURITY;
  CREATE POLICY reader_all ON chamdiem.${t} FOR SELECT TO chamdiem_reader USING (true);
  CREATE POLICY gateway_select ON chamdiem.${t} FOR SELECT TO chamdiem_gateway USING (centre_id = (SELECT chamdiem.gateway_centre()));
  GRANT SELECT ON chamdiem.${t} TO chamdiem_gateway, chamdiem_reader;`,
    )
    .join('\n')}

  CREATE FUNCTION chamdiem.rollup_presses() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, chamdiem
    AS $f$
    DECLARE zone text := (SELECT time_zone FROM chamdiem.rollup_settings);
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM chamdiem.daily_centres;
        DELETE FROM chamdiem.daily_officers;
        RETURN NULL;
      END IF;
      IF TG_OP IN ('DELETE', 'UPDATE') THEN ${rollupApply('old_rows', '-')}
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN ${rollupApply('new_rows', '')}
      END IF;
      RETURN NULL;
    END $f$;
  REVOKE ALL ON FUNCTION chamdiem.rollup_presses() FROM PUBLIC;
  CREATE TRIGGER rollup_insert AFTER INSERT ON chamdiem.presses REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chamdiem.rollup_presses();
  CREATE TRIGGER rollup_delete AFTER DELETE ON chamdiem.presses REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chamdiem.rollup_presses();
  CREATE TRIGGER rollup_update AFTER UPDATE ON chamdiem.presses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chamdiem.rollup_presses();
  CREATE TRIGGER rollup_truncate AFTER TRUNCATE ON chamdiem.presses
    FOR EACH STATEMENT EXECUTE FUNCTION chamdiem.rollup_presses();

  -- Recounts every roll-up from the presses (after a change of time zone); the owner's only.
  CREATE FUNCTION chamdiem.rebuild_rollups() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, chamdiem
    AS $f$
    DECLARE zone text := (SELECT time_zone FROM chamdiem.rollup_settings);
    BEGIN
      LOCK TABLE chamdiem.presses IN SHARE MODE;
      DELETE FROM chamdiem.daily_centres;
      DELETE FROM chamdiem.daily_officers;
      ${rollupApply('chamdiem.presses', '')}
    END $f$;
  REVOKE ALL ON FUNCTION chamdiem.rebuild_rollups() FROM PUBLIC;
  SELECT chamdiem.rebuild_rollups();
`

export const CENTRAL_MIGRATIONS: CentralMigration[] = [
  {
    version: 1,
    name: 'centres, registry, history, presses, rejected messages, roles and row-level security',
    sql: `
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chamdiem_gateway') THEN CREATE ROLE chamdiem_gateway NOLOGIN; END IF;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chamdiem_reader') THEN CREATE ROLE chamdiem_reader NOLOGIN; END IF;
      END $$;
      GRANT USAGE ON SCHEMA chamdiem TO chamdiem_gateway, chamdiem_reader;
      GRANT SELECT ON chamdiem.schema_migrations TO chamdiem_gateway, chamdiem_reader;

      -- One row per centre (one gateway), created by the province with the login role its
      -- gateway uses (docs/central.md).
      CREATE TABLE chamdiem.centres (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,64}$'),
        name text NOT NULL,
        role name UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE chamdiem.centres ENABLE ROW LEVEL SECURITY;
      CREATE POLICY reader_all ON chamdiem.centres FOR SELECT TO chamdiem_reader USING (true);
      CREATE POLICY gateway_own ON chamdiem.centres FOR SELECT TO chamdiem_gateway USING (role = current_user);
      GRANT SELECT ON chamdiem.centres TO chamdiem_gateway, chamdiem_reader;

      -- The centre of the role logged in (NULL for any other role). SECURITY DEFINER: a
      -- gateway may not read the centres table beyond its own row, the policies must.
      CREATE FUNCTION chamdiem.gateway_centre() RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, chamdiem
        AS $f$ SELECT id FROM chamdiem.centres WHERE role = session_user $f$;
      REVOKE ALL ON FUNCTION chamdiem.gateway_centre() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION chamdiem.gateway_centre() TO chamdiem_gateway, chamdiem_reader;

      CREATE TABLE chamdiem.offices (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        id text NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (centre_id, id)
      );
      CREATE TABLE chamdiem.counters (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        id text NOT NULL,
        office_id text NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (centre_id, id)
      );
      -- staff_code: the province's code of the person (set by the province; not by gateways).
      CREATE TABLE chamdiem.officers (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        id text NOT NULL,
        office_id text NOT NULL,
        name text NOT NULL,
        active boolean NOT NULL,
        staff_code text,
        PRIMARY KEY (centre_id, id)
      );
      CREATE INDEX officers_staff_code ON chamdiem.officers (staff_code) WHERE staff_code IS NOT NULL;
      -- Boxes without their secrets (those never leave the centre).
      CREATE TABLE chamdiem.boxes (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        id text NOT NULL,
        created_at bigint NOT NULL,
        retired_at bigint,
        PRIMARY KEY (centre_id, id)
      );
      -- Which counter a box stood at, over time (id: the gateway's row id).
      CREATE TABLE chamdiem.box_assignments (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        id bigint NOT NULL,
        box_id text NOT NULL,
        counter_id text NOT NULL,
        from_ms bigint NOT NULL,
        to_ms bigint,
        PRIMARY KEY (centre_id, id)
      );
      CREATE TABLE chamdiem.duty_sessions (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        id bigint NOT NULL,
        counter_id text NOT NULL,
        officer_id text,
        start_ms bigint NOT NULL,
        end_ms bigint,
        source text NOT NULL,
        PRIMARY KEY (centre_id, id)
      );
      -- The weekly schedule; a shift deleted at the centre is kept here with removed_at set,
      -- so the province can still see why an earlier press went to an officer.
      CREATE TABLE chamdiem.shifts (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        id bigint NOT NULL,
        counter_id text NOT NULL,
        officer_id text NOT NULL,
        weekday smallint NOT NULL,
        start_min smallint NOT NULL,
        end_min smallint NOT NULL,
        removed_at timestamptz,
        PRIMARY KEY (centre_id, id)
      );
      -- Every press a gateway stored, with its attribution and flags. Idempotent on
      -- (centre_id, box_id, boot, seq): a batch sent again after a crash inserts nothing.
      CREATE TABLE chamdiem.presses (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        box_id text NOT NULL,
        boot text NOT NULL,
        seq bigint NOT NULL,
        rating text NOT NULL CHECK (rating IN ('positive', 'neutral', 'negative')),
        repeat boolean NOT NULL,
        burst boolean NOT NULL,
        received_at bigint NOT NULL,
        age_ms bigint NOT NULL,
        time_ms bigint NOT NULL,
        time timestamptz GENERATED ALWAYS AS (to_timestamp(time_ms / 1000.0)) STORED,
        office_id text,
        counter_id text,
        officer_id text,
        gateway_id bigint NOT NULL,
        forwarded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (centre_id, box_id, boot, seq)
      );
      CREATE INDEX presses_time ON chamdiem.presses (time_ms);
      CREATE INDEX presses_centre_time ON chamdiem.presses (centre_id, time_ms);
      -- Messages a gateway could not count: reason and time, never the raw bytes.
      CREATE TABLE chamdiem.rejected (
        centre_id text NOT NULL REFERENCES chamdiem.centres(id),
        id bigint NOT NULL,
        box_id text,
        topic text NOT NULL,
        received_at bigint NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (centre_id, id)
      );
      CREATE INDEX rejected_time ON chamdiem.rejected (received_at);

      ${CENTRE_TABLES.map((t) => policies(t, t === 'presses' || t === 'rejected' ? 'insert' : 'upsert')).join('\n')}
      -- What a gateway may change of its registry rows (never staff_code, never the keys).
      GRANT UPDATE (name) ON chamdiem.offices TO chamdiem_gateway;
      GRANT UPDATE (office_id, name) ON chamdiem.counters TO chamdiem_gateway;
      GRANT UPDATE (office_id, name, active) ON chamdiem.officers TO chamdiem_gateway;
      GRANT UPDATE (created_at, retired_at) ON chamdiem.boxes TO chamdiem_gateway;
      GRANT UPDATE (box_id, counter_id, from_ms, to_ms) ON chamdiem.box_assignments TO chamdiem_gateway;
      GRANT UPDATE (counter_id, officer_id, start_ms, end_ms, source) ON chamdiem.duty_sessions TO chamdiem_gateway;
      GRANT UPDATE (counter_id, officer_id, weekday, start_min, end_min, removed_at) ON chamdiem.shifts TO chamdiem_gateway;
    `,
  },
  {
    version: 2,
    name: 'daily roll-ups of presses per centre and per officer, kept in step by triggers',
    sql: ROLLUPS_SQL,
  },
  {
    version: 3,
    name: 'presses at any level of a four- or five-level rating scale',
    sql: `
      -- A centre rates on 3, 4 or 5 levels (gateway config ratingScale): the rating takes the
      -- protocol's five ids. Rows already there keep their values (and satisfy the new check).
      ALTER TABLE chamdiem.presses DROP CONSTRAINT presses_rating_check;
      ALTER TABLE chamdiem.presses ADD CONSTRAINT presses_rating_check
        CHECK (rating IN ('positive', 'neutral', 'fair', 'negative', 'very-negative'));
    `,
  },
]

/** The schema version this code reads and writes. */
export const CENTRAL_SCHEMA_VERSION = CENTRAL_MIGRATIONS.at(-1)!.version

/** Creates the bookkeeping the migrations rely on (schema and version table). */
export const BOOTSTRAP_SQL = `
  CREATE SCHEMA IF NOT EXISTS chamdiem;
  CREATE TABLE IF NOT EXISTS chamdiem.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  );
`
