import m0001 from './0001_init';
import m0002 from './0002_profile_activations';
import m0003 from './0003_pushes';
import m0005 from './0005_sessions';
import m0006 from './0006_receipt_key_private_halves';
import m0007 from './0007_slot_without_source';
import m0008 from './0008_runs';
import m0009 from './0009_revalidations';
import m0010 from './0010_municipality_role';
import m0011 from './0011_audit_checkpoints';
import m0012 from './0012_original_purged';
import m0013 from './0013_extract_lineage';
import m0014 from './0014_webhooks';

/** Numbered migrations, applied in order at start; a new one is appended, never edited. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'init', sql: m0001 },
  { version: 2, name: 'profile activations', sql: m0002 },
  { version: 3, name: 'pushes', sql: m0003 },
  { version: 5, name: 'sessions', sql: m0005 },
  { version: 6, name: 'receipt key private halves', sql: m0006 },
  { version: 7, name: 'slot without source', sql: m0007 },
  { version: 8, name: 'runs', sql: m0008 },
  { version: 9, name: 'revalidations', sql: m0009 },
  { version: 10, name: 'municipality role', sql: m0010 },
  { version: 11, name: 'audit checkpoints', sql: m0011 },
  { version: 12, name: 'original purged', sql: m0012 },
  { version: 13, name: 'extract lineage', sql: m0013 },
  { version: 14, name: 'webhooks', sql: m0014 },
];
