import { describe, expect, it } from 'vitest';
import { lawfulUseValue, personalDataOf, readLawfulUseValue } from '../../src/core/lawful-use';

describe("an extract's personal data and lawful use", () => {
  it('takes the recorded category, and works one out for an extract made before categories were recorded', () => {
    expect(personalDataOf({ personalData: true, personalDataCategory: 'pseudonymised' })).toEqual({
      personalData: true,
      personalDataCategory: 'pseudonymised',
    });
    // Older metadata said personalData false for pseudonyms: they are personal data all the same.
    expect(personalDataOf({ personalData: false, pseudonymKeyIds: ['flis-1'] })).toEqual({
      personalData: true,
      personalDataCategory: 'pseudonymised',
    });
    expect(personalDataOf({ personalData: true, pseudonymKeyIds: [] })).toEqual({
      personalData: true,
      personalDataCategory: 'cpr',
    });
    expect(personalDataOf({ personalData: false, pseudonymKeyIds: [] })).toEqual({
      personalData: false,
      personalDataCategory: 'none',
    });
  });

  it('writes the lawful use in ASCII and reads it back, Danish letters and all', () => {
    const use = { legalBasis: 'Lov om Danmarks Statistik, § 6', purpose: "Børnepasning; (mål) 'x' = 100 %" };
    const value = lawfulUseValue(use, 'cpr');
    expect(value).toMatch(/^[\x20-\x7e]+$/);
    expect(readLawfulUseValue(value)).toEqual({ personalData: 'cpr', ...use });
    expect(readLawfulUseValue(lawfulUseValue(null, 'none'))).toEqual({
      personalData: 'none',
      legalBasis: null,
      purpose: null,
    });
  });
});
