/**
 * Extracts the gateway pushes to their recipient (HTTPS or S3): queued in the transaction
 * that accepts the delivery, claimed by one node at a time with a lease, tried again with
 * back-off until delivered or given up.
 */
export default /* sql */ `
CREATE TABLE pushes (
  extract_id text PRIMARY KEY REFERENCES extracts (id),
  recipient text NOT NULL,
  target jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  claimed_until timestamptz,
  last_error text,
  location text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX pushes_due ON pushes (next_attempt_at) WHERE status = 'pending';
`;
