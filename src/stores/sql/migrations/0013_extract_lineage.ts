/**
 * Lineage both ways: which extract replaced this one, and each extract's version within its
 * slot (1, then each correction the next), filled in for the extracts made before; and when an
 * extract's acknowledgement was found overdue (raised once).
 */
export default `
ALTER TABLE extracts ADD COLUMN IF NOT EXISTS replaced_by TEXT REFERENCES extracts (id);
ALTER TABLE extracts ADD COLUMN IF NOT EXISTS version INTEGER NOT NULL DEFAULT 1;
UPDATE extracts e SET replaced_by = n.id FROM extracts n WHERE n.replaces = e.id AND e.replaced_by IS NULL;
WITH RECURSIVE chain (id, v) AS (
  SELECT id, 1 FROM extracts WHERE replaces IS NULL
  UNION ALL
  SELECT e.id, c.v + 1 FROM extracts e JOIN chain c ON e.replaces = c.id
)
UPDATE extracts x SET version = chain.v FROM chain WHERE x.id = chain.id AND x.version <> chain.v;
CREATE INDEX IF NOT EXISTS extracts_recipient_current ON extracts (recipient, id) WHERE replaced_by IS NULL;
ALTER TABLE extracts ADD COLUMN IF NOT EXISTS overdue_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS extracts_awaiting_word ON extracts (ack_due_at)
  WHERE overdue_at IS NULL AND ack_status IS NULL AND status IN ('available', 'fetched');
CREATE INDEX IF NOT EXISTS extracts_slot ON extracts (municipality, period, recipient);
`;
