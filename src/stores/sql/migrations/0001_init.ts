export default /* sql */ `
CREATE TABLE tokens (
  id text PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('source', 'recipient', 'auditor', 'admin')),
  subject text NOT NULL,
  recipient text,
  municipalities jsonb NOT NULL DEFAULT '[]',
  datasets jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);

CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);
-- At most one key signs at a time; several nodes racing to make the first key agree on one.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE retired_at IS NULL;

CREATE TABLE deliveries (
  id text PRIMARY KEY,
  dataset text NOT NULL,
  dataset_version integer NOT NULL,
  municipality text NOT NULL,
  period text NOT NULL,
  source text NOT NULL,
  actor text NOT NULL,
  status text NOT NULL CHECK (status IN ('receiving', 'accepted', 'rejected', 'failed')),
  content_type text NOT NULL,
  idempotency_key text,
  received_at timestamptz NOT NULL,
  completed_at timestamptz,
  sha256 text,
  bytes bigint,
  records_total integer,
  records_valid integer,
  records_invalid integer,
  error_count integer NOT NULL DEFAULT 0,
  supersedes text REFERENCES deliveries (id),
  superseded_by text REFERENCES deliveries (id),
  receipt text,
  problem jsonb
);
CREATE INDEX deliveries_slot ON deliveries (dataset, municipality, period, source, status);
CREATE INDEX deliveries_status ON deliveries (status, received_at);
CREATE UNIQUE INDEX deliveries_idempotency ON deliveries (source, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE delivery_issues (
  delivery_id text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  record integer,
  line integer,
  field text,
  rule text NOT NULL,
  message text NOT NULL,
  PRIMARY KEY (delivery_id, seq)
);

CREATE TABLE extracts (
  id text PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES deliveries (id),
  recipient text NOT NULL,
  dataset text NOT NULL,
  municipality text NOT NULL,
  period text NOT NULL,
  status text NOT NULL CHECK (status IN ('available', 'fetched', 'acknowledged', 'refused', 'superseded', 'purged')),
  records integer NOT NULL,
  sha256 text NOT NULL,
  bytes bigint NOT NULL,
  format text NOT NULL,
  content_type text NOT NULL,
  file_name text NOT NULL,
  object_key text NOT NULL,
  profile_id text NOT NULL,
  profile_version integer NOT NULL,
  profile_sha256 text NOT NULL,
  metadata jsonb NOT NULL,
  replaces text REFERENCES extracts (id),
  created_at timestamptz NOT NULL,
  ack_due_at timestamptz,
  fetched_at timestamptz,
  acknowledged_at timestamptz,
  ack_status text,
  ack_reason text
);
CREATE INDEX extracts_recipient ON extracts (recipient, status, id);
CREATE INDEX extracts_delivery ON extracts (delivery_id);

CREATE TABLE audit_events (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  details jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events (subject);

-- The chain's head, one row: appending locks it, so events from several nodes form one chain.
CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}');

CREATE TABLE profile_versions (
  profile_id text NOT NULL,
  version integer NOT NULL,
  sha256 text NOT NULL,
  content jsonb NOT NULL,
  first_seen_at timestamptz NOT NULL,
  PRIMARY KEY (profile_id, version, sha256)
);
`;
