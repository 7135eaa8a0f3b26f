import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors';

/** Vendors switch on problem codes: every code the gateway can answer is in the contract. */
describe('problem types', () => {
  const api = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const section = api.slice(api.indexOf('## Problem documents'), api.indexOf('## Operations'));
  it.each(Object.keys(ERROR_CODES))('docs/api.md lists %s', (code) => {
    expect(section).toContain(`\`${code}\``);
  });
});
