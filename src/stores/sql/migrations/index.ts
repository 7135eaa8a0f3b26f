import m0001 from './0001_init';

/** Numbered migrations, applied in order at start; a new one is appended, never edited. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'init', sql: m0001 },
];
