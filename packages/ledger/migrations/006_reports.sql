-- The monthly review: snapshots of each month's figures, kept as produced, and the farmer counts
-- Simluhtan lists (the denominator of the coverage rate), refreshed by a job through the simluhtan adapter.

-- Simluhtan's farmer-group directory, as last read: counts only, no personal data.
CREATE TABLE simluhtan_groups (
  id                   text PRIMARY KEY,
  name                 text NOT NULL,
  village_code         text NOT NULL,
  kecamatan_code       text NOT NULL,
  extension_worker_id  text,
  member_count         integer NOT NULL,
  refresh_id           text NOT NULL,
  read_at              timestamptz NOT NULL
);
CREATE INDEX simluhtan_groups_by_village ON simluhtan_groups (village_code);

-- One row per produced version of a month; a re-run adds version n+1 with what changed.
CREATE TABLE report_snapshots (
  id              bigserial PRIMARY KEY,
  period          text NOT NULL,
  version         integer NOT NULL,
  produced_at     timestamptz NOT NULL DEFAULT now(),
  trigger         text NOT NULL,
  requested_by    text,
  reason          text,
  cutoff          timestamptz NOT NULL,
  directory_as_of timestamptz,
  totals          jsonb NOT NULL,
  changes         jsonb,
  UNIQUE (period, version)
);

CREATE TABLE report_snapshot_rows (
  snapshot_id  bigint NOT NULL REFERENCES report_snapshots (id),
  level        text NOT NULL,
  key          text NOT NULL,
  name         text NOT NULL,
  bpp          text,
  figures      jsonb NOT NULL,
  PRIMARY KEY (snapshot_id, level, key)
);
CREATE INDEX report_snapshot_rows_by_bpp ON report_snapshot_rows (snapshot_id, level, bpp);

-- A snapshot, once produced, never changes: late data goes into a new version.
CREATE FUNCTION report_snapshot_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'report snapshots are immutable: produce a new version instead';
END $$;
CREATE TRIGGER report_snapshots_immutable BEFORE UPDATE OR DELETE ON report_snapshots
  FOR EACH ROW EXECUTE FUNCTION report_snapshot_immutable();
CREATE TRIGGER report_snapshot_rows_immutable BEFORE UPDATE OR DELETE ON report_snapshot_rows
  FOR EACH ROW EXECUTE FUNCTION report_snapshot_immutable();
