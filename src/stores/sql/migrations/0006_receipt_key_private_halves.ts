/**
 * Earlier versions kept every generated receipt key's private half in clear, retired keys too.
 * A retired key never signs again: its private half goes. (The active one, if it is in clear, is
 * retired and replaced by the signer at start: it needs a new key, which SQL cannot make.)
 */
export default /* sql */ `
UPDATE signing_keys SET private_jwk = '{}'::jsonb WHERE retired_at IS NOT NULL AND private_jwk <> '{}'::jsonb;
`;
