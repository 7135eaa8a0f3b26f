import { describe, expect, it } from 'vitest';
import { renderFileName, versionedFileName, withoutVersion } from '../../src/core/file-name';
import { ProfileSchema } from '../../src/core/profile';

describe('file names of extracts and their corrections', () => {
  const values = { municipality: '147', period: '2026-10', deliveryId: 'dlv_1' };

  it('fills the placeholders and leaves {version} for the store', () => {
    expect(renderFileName('flis-{municipality}-{period}.ndjson', values)).toBe('flis-147-2026-10.ndjson');
    expect(renderFileName('dst-{municipality}-v{version}.xml', values)).toBe('dst-147-v{version}.xml');
    expect(renderFileName('dst-{municipality}-v{version}.xml', { ...values, version: 3 })).toBe(
      'dst-147-v3.xml',
    );
    expect(() => renderFileName('x-{nope}.csv', values)).toThrow(/unknown placeholder/);
    expect(() => renderFileName('{period}/x.csv', { period: 'a' })).toThrow(/plain file name/);
  });

  it('never lets a value make a placeholder of its own', () => {
    const name = renderFileName('{source}-{municipality}.csv', {
      source: 'sys{version}',
      municipality: '101',
    });
    expect(name).toBe('sys_version_-101.csv');
    expect(versionedFileName(name, 2)).toBe('sys_version_-101-v2.csv');
  });

  it('gives a correction a name of its own, with or without {version} in the template', () => {
    expect(versionedFileName('flis-147-2026-10.ndjson', 1)).toBe('flis-147-2026-10.ndjson');
    expect(versionedFileName('flis-147-2026-10.ndjson', 2)).toBe('flis-147-2026-10-v2.ndjson');
    expect(versionedFileName('AVID.SA.147-2026-10.zip', 3)).toBe('AVID.SA.147-2026-10-v3.zip');
    expect(versionedFileName('README', 2)).toBe('README-v2');
    expect(versionedFileName('flis-147-2026-10.ndjson.age', 2)).toBe('flis-147-2026-10-v2.ndjson.age');
    expect(versionedFileName('flis-147-2026-10.ndjson.age', 1)).toBe('flis-147-2026-10.ndjson.age');
    expect(versionedFileName('dst-147-v{version}.xml', 1)).toBe('dst-147-v1.xml');
    expect(versionedFileName('dst-147-v{version}.xml', 12)).toBe('dst-147-v12.xml');
  });

  it('leaves the version out of a zip entry name', () => {
    expect(withoutVersion('dst-{municipality}-{version}.xml')).toBe('dst-{municipality}.xml');
    expect(withoutVersion('dst-{municipality}.xml')).toBe('dst-{municipality}.xml');
  });

  it('refuses a profile whose file name names a placeholder the gateway does not fill', () => {
    const base = {
      id: 'daycare/x',
      version: 1,
      dataset: 'daycare',
      recipient: 'x',
      lawfulUse: { legalBasis: 'Lov om X § 1, stk. 2', purpose: 'Statistik om dagtilbud' },
      output: { format: 'csv' },
      columns: [{ name: 'a', from: 'ChildCpr' }],
    };
    const bad = ProfileSchema.safeParse({ ...base, fileName: 'x-{municipalty}.csv' });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('a placeholder must be one of');
    const good = ProfileSchema.safeParse({ ...base, fileName: 'x-{municipality}-{version}.csv' });
    expect(good.success, JSON.stringify(good.error?.issues)).toBe(true);
  });
});
