import { describe, expect, it } from 'vitest';
import { safeName } from '../../src/cli/sync';

describe('a file name a server gives, as the CLI writes it', () => {
  it('keeps a plain name and takes the id for anything else', () => {
    expect(safeName('dst-dagtilbud-101-2026-10.xml', 'ext_1')).toBe('dst-dagtilbud-101-2026-10.xml');
    for (const bad of [
      '../x',
      '/etc/passwd',
      'a/b.xml',
      'a\\\\b',
      '.hidden',
      '..',
      '',
      'a\nb.xml',
      'a\u0000b',
      'x'.repeat(201),
    ])
      expect(safeName(bad, 'ext_1'), JSON.stringify(bad)).toBe('ext_1');
  });
});
