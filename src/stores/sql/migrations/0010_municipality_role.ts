/** The fifth role: a municipality's own staff and its BI vendors, read-only, scoped to municipalities. */
export default `
ALTER TABLE tokens DROP CONSTRAINT IF EXISTS tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
  CHECK (role IN ('source', 'recipient', 'municipality', 'auditor', 'admin'));
`;
