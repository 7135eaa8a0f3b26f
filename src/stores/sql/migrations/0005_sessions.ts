/**
 * Dashboard sign-in sessions, kept by the gateway: the browser holds an opaque id, the table
 * its sha256 and the hash of the token it was opened with. A session ends at its expiry, on
 * sign-out, and when its token is revoked or expires.
 */
export default /* sql */ `
CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  token_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_token ON sessions (token_hash);
CREATE INDEX sessions_expiry ON sessions (expires_at);
`;
