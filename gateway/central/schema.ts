/**
 * The province's central store in PostgreSQL: versioned migrations of schema `chamdiem`.
 * `chamdiem central migrate --url` applies them (as the database owner). A gateway forwards into
 * the schema of its own version, or a newer one that still accepts its writes: each migration
 * says whether writers of the version before may go on (`olderWritersOk`), and migrate stores
 * the oldest version still accepted with each version (schema_migrations.oldest_writer), so a
 * province can migrate first and upgrade its centres one by one (migrate.ts, forwarder.ts).
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
import { ROLLUPS_ALL_LEVELS_SQL, ROLLUPS_SQL } from './rollups.ts'

export interface CentralMigration {
  version: number
  name: string
  sql: string
  /**
   * Gateways built for the version before this one may keep writing after it (additive
   * changes: a new column with a default, a wider check, a trigger). False when an older
   * gateway's writes would be wrong or fail (a column it fills is renamed or dropped, a
   * meaning changes): `migrate` then records that only this version's gateways may write.
   */
  olderWritersOk: boolean
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
    olderWritersOk: false,
  },
  {
    version: 2,
    name: 'daily roll-ups of presses per centre and per officer, kept in step by triggers',
    sql: ROLLUPS_SQL,
    olderWritersOk: true,
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
    olderWritersOk: true,
  },
  {
    version: 4,
    name: 'daily roll-ups count all five levels (fair, very_negative), filled from the presses stored',
    sql: ROLLUPS_ALL_LEVELS_SQL,
    olderWritersOk: true,
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
  -- The oldest gateway version that may still write at this version (migrate.ts). Read by a
  -- gateway that does not know the migrations after its own.
  ALTER TABLE chamdiem.schema_migrations ADD COLUMN IF NOT EXISTS oldest_writer integer;
`
