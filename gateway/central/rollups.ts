/**
 * The central store's daily roll-ups (migrations 2 and 4 of schema.ts), kept apart from the
 * other migrations for their size.
 */
import { LEVEL_IDS, RATINGS, type Rating } from '../../protocol/index.ts'

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
/** The roll-up columns of each level id (a column name cannot hold `-`). */
export const ROLLUP_COLUMNS: Record<Rating, string> = { positive: 'positive', neutral: 'neutral', fair: 'fair', negative: 'negative', 'very-negative': 'very_negative' }

/**
 * The roll-up rows of `rows` (a transition table, or presses), added (sign '') or taken away
 * ('-'), counting `levels` (migration 2: the default three; migration 4 on: all five).
 */
function rollupApply(rows: string, sign: '' | '-', levels: readonly Rating[] = RATINGS): string {
  const cols = levels.map((r) => ROLLUP_COLUMNS[r])
  const counts = levels.map((r) => `${sign}count(*) FILTER (WHERE rating = '${r}')`).join(', ')
  const add = cols.map((r) => `${r} = d.${r} + excluded.${r}`).join(', ')
  return `
    INSERT INTO chamdiem.daily_centres AS d (centre_id, day, ${cols.join(', ')})
      SELECT centre_id, chamdiem.press_day(time_ms, zone), ${counts} FROM ${rows} WHERE NOT repeat GROUP BY 1, 2
      ON CONFLICT (centre_id, day) DO UPDATE SET ${add};
    INSERT INTO chamdiem.daily_officers AS d (centre_id, officer_id, day, ${cols.join(', ')})
      SELECT centre_id, officer_id, chamdiem.press_day(time_ms, zone), ${counts} FROM ${rows} WHERE NOT repeat AND officer_id IS NOT NULL GROUP BY 1, 2, 3
      ON CONFLICT (centre_id, officer_id, day) DO UPDATE SET ${add};`
}

/** The trigger function that keeps the roll-ups in step with presses, counting `levels`. */
const rollupFunction = (create: 'CREATE' | 'CREATE OR REPLACE', levels: readonly Rating[]) =>
  `  ${create} FUNCTION chamdiem.rollup_presses() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, chamdiem
    AS $f$
    DECLARE zone text := (SELECT time_zone FROM chamdiem.rollup_settings);
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM chamdiem.daily_centres;
        DELETE FROM chamdiem.daily_officers;
        RETURN NULL;
      END IF;
      IF TG_OP IN ('DELETE', 'UPDATE') THEN ${rollupApply('old_rows', '-', levels)}
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN ${rollupApply('new_rows', '', levels)}
      END IF;
      RETURN NULL;
    END $f$;
`

/** Recounts every roll-up from the presses (after a change of time zone); the owner's only. */
const rebuildFunction = (create: 'CREATE' | 'CREATE OR REPLACE', levels: readonly Rating[]) =>
  `  ${create} FUNCTION chamdiem.rebuild_rollups() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, chamdiem
    AS $f$
    DECLARE zone text := (SELECT time_zone FROM chamdiem.rollup_settings);
    BEGIN
      LOCK TABLE chamdiem.presses IN SHARE MODE;
      DELETE FROM chamdiem.daily_centres;
      DELETE FROM chamdiem.daily_officers;
      ${rollupApply('chamdiem.presses', '', levels)}
    END $f$;
`

export const ROLLUPS_SQL = `
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

${rollupFunction('CREATE', RATINGS)}  REVOKE ALL ON FUNCTION chamdiem.rollup_presses() FROM PUBLIC;
  CREATE TRIGGER rollup_insert AFTER INSERT ON chamdiem.presses REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chamdiem.rollup_presses();
  CREATE TRIGGER rollup_delete AFTER DELETE ON chamdiem.presses REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chamdiem.rollup_presses();
  CREATE TRIGGER rollup_update AFTER UPDATE ON chamdiem.presses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chamdiem.rollup_presses();
  CREATE TRIGGER rollup_truncate AFTER TRUNCATE ON chamdiem.presses
    FOR EACH STATEMENT EXECUTE FUNCTION chamdiem.rollup_presses();

  -- Recounts every roll-up from the presses (after a change of time zone); the owner's only.
${rebuildFunction('CREATE', RATINGS)}  REVOKE ALL ON FUNCTION chamdiem.rebuild_rollups() FROM PUBLIC;
  SELECT chamdiem.rebuild_rollups();
`


/**
 * Migration 4: the roll-ups count every level of the protocol, so a centre rating on four or
 * five levels (central migration 3 stores its presses) is counted in the province's figures.
 * Existing columns stay (a gateway or a report of an older version reads them on); `fair`
 * and `very_negative` are added, the trigger and the rebuild count all five, and the new
 * columns are filled from the presses already stored. The backfill SETs every count of a row
 * to a recount of the presses (never adds), so running it (or the whole migration, which
 * adds its columns IF NOT EXISTS) again changes nothing; it runs in the migration's
 * transaction with the presses locked against writes, so no press lands between the recount
 * and the new trigger.
 */
/** Every roll-up row SET to a recount of the presses, five levels (upserts, never adds: idempotent). */
function backfill(): string {
  const cols = LEVEL_IDS.map((r) => ROLLUP_COLUMNS[r])
  const counts = LEVEL_IDS.map((r) => `count(*) FILTER (WHERE rating = '${r}')`).join(', ')
  const set = cols.map((c) => `${c} = excluded.${c}`).join(', ')
  return `
    INSERT INTO chamdiem.daily_centres (centre_id, day, ${cols.join(', ')})
      SELECT centre_id, chamdiem.press_day(time_ms, zone), ${counts} FROM chamdiem.presses WHERE NOT repeat GROUP BY 1, 2
      ON CONFLICT (centre_id, day) DO UPDATE SET ${set};
    INSERT INTO chamdiem.daily_officers (centre_id, officer_id, day, ${cols.join(', ')})
      SELECT centre_id, officer_id, chamdiem.press_day(time_ms, zone), ${counts} FROM chamdiem.presses WHERE NOT repeat AND officer_id IS NOT NULL GROUP BY 1, 2, 3
      ON CONFLICT (centre_id, officer_id, day) DO UPDATE SET ${set};`
}

export const ROLLUPS_ALL_LEVELS_SQL = `
  LOCK TABLE chamdiem.presses IN SHARE MODE;
  ALTER TABLE chamdiem.daily_centres ADD COLUMN IF NOT EXISTS fair integer NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS very_negative integer NOT NULL DEFAULT 0;
  ALTER TABLE chamdiem.daily_officers ADD COLUMN IF NOT EXISTS fair integer NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS very_negative integer NOT NULL DEFAULT 0;
${rollupFunction('CREATE OR REPLACE', LEVEL_IDS)}
${rebuildFunction('CREATE OR REPLACE', LEVEL_IDS)}
  DO $backfill$
  DECLARE zone text := (SELECT time_zone FROM chamdiem.rollup_settings);
  BEGIN ${backfill()}
  END $backfill$;
`
