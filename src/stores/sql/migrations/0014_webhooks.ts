/**
 * Webhooks: subscriptions, the messages on their way (a queue of its own beside the pushes),
 * and the cursor over the audit log that turns events into messages, each event once. The
 * cursor starts at the log's head: no subscription existed before.
 */
export default `
CREATE TABLE IF NOT EXISTS subscriptions (
  id text PRIMARY KEY,
  token_id text NOT NULL,
  role text NOT NULL,
  subject text NOT NULL,
  recipient text,
  municipalities jsonb NOT NULL,
  datasets jsonb NOT NULL,
  url text NOT NULL,
  events jsonb NOT NULL,
  sealed_secret text NOT NULL,
  from_seq bigint NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS subscriptions_token ON subscriptions (token_id) WHERE deleted_at IS NULL;

CREATE TABLE IF NOT EXISTS webhook_messages (
  id text PRIMARY KEY,
  subscription_id text NOT NULL REFERENCES subscriptions (id),
  seq bigint NOT NULL,
  event text NOT NULL,
  subject text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL,
  claimed_until timestamptz,
  UNIQUE (subscription_id, seq)
);
CREATE INDEX IF NOT EXISTS webhook_messages_due ON webhook_messages (next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_messages_subject ON webhook_messages (subscription_id, subject, seq) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_messages_list ON webhook_messages (subscription_id, id);

CREATE TABLE IF NOT EXISTS webhook_cursor (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq bigint NOT NULL
);
INSERT INTO webhook_cursor (one, seq) SELECT true, COALESCE(MAX(seq), 0) FROM audit_events
  ON CONFLICT (one) DO NOTHING;
`;
