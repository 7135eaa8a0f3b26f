/**
 * Re-validation: the dataset versions nodes started with, the runs that re-check current
 * deliveries against a dataset's rules now in force (claimed by one node at a time with a
 * lease), and one result per delivery checked: counts and rule ids, never values.
 */
export default /* sql */ `
CREATE TABLE dataset_versions (
  seq bigserial PRIMARY KEY,
  dataset text NOT NULL,
  version integer NOT NULL,
  sha256 text NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX dataset_versions_dataset ON dataset_versions (dataset, seq);

CREATE TABLE revalidation_runs (
  id text PRIMARY KEY,
  dataset text NOT NULL,
  dataset_version integer NOT NULL,
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  total integer,
  checked integer NOT NULL DEFAULT 0,
  now_failing integer NOT NULL DEFAULT 0,
  missing integer NOT NULL DEFAULT 0,
  claimed_by text,
  lease_until timestamptz,
  error text
);
CREATE INDEX revalidation_runs_open ON revalidation_runs (requested_at) WHERE status IN ('queued', 'running');
CREATE INDEX revalidation_runs_dataset ON revalidation_runs (dataset, id);

CREATE TABLE revalidation_results (
  run_id text NOT NULL REFERENCES revalidation_runs (id),
  delivery_id text NOT NULL REFERENCES deliveries (id),
  dataset text NOT NULL,
  municipality text NOT NULL,
  period text NOT NULL,
  delivery_version integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('checked', 'missing', 'unreadable')),
  records_total integer,
  records_valid integer,
  records_invalid integer,
  errors_by_rule jsonb NOT NULL,
  problem text,
  checked_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, delivery_id)
);
CREATE INDEX revalidation_results_slot ON revalidation_results (dataset, municipality, period, checked_at);
`;
