/** Signed checkpoints over the audit chain (a copy of each is also kept in the object store). */
export default `
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  seq BIGINT PRIMARY KEY,
  head TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  jws TEXT NOT NULL
);
`;
