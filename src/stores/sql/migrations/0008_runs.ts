/**
 * The monthly runs: one row per run with its counts and national summary, one row per
 * municipality with its report. Summary and reports are kept as the JSON text they were written
 * as, so a report reads back byte for byte. A period has at most one scheduled run (the unique
 * index decides a race between nodes); manual runs are always new rows.
 */
export default /* sql */ `
CREATE TABLE runs (
  id text PRIMARY KEY,
  period text NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
  ran_at timestamptz NOT NULL,
  actor text NOT NULL,
  municipalities integer NOT NULL,
  slots integer NOT NULL,
  received integer NOT NULL,
  late integer NOT NULL,
  missing integer NOT NULL,
  pending integer NOT NULL,
  rejected integer NOT NULL,
  anomalies integer NOT NULL,
  summary text NOT NULL
);
CREATE UNIQUE INDEX runs_one_scheduled ON runs (period) WHERE trigger = 'scheduled';
CREATE INDEX runs_period ON runs (period, id);

CREATE TABLE run_reports (
  run_id text NOT NULL REFERENCES runs (id),
  municipality text NOT NULL,
  report text NOT NULL,
  PRIMARY KEY (run_id, municipality)
);
`;
