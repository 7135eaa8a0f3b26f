/**
 * Which profile version was in force when: a row each time a node starts with a profile whose
 * version or content differs from the one last in force.
 */
export default /* sql */ `
CREATE TABLE profile_activations (
  seq bigserial PRIMARY KEY,
  profile_id text NOT NULL,
  version integer NOT NULL,
  sha256 text NOT NULL,
  activated_at timestamptz NOT NULL
);
CREATE INDEX profile_activations_by_profile ON profile_activations (profile_id, seq);
INSERT INTO profile_activations (profile_id, version, sha256, activated_at)
  SELECT profile_id, version, sha256, first_seen_at FROM profile_versions ORDER BY first_seen_at;
`;
