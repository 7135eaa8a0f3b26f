import { describe, expect, it } from 'vitest';
import { decideSlot } from '../../src/core/slot';

const sha = (c: string) => c.repeat(64);
const held = { id: 'dlv_1', sha256: sha('a'), contentType: 'application/xml' };

describe('the supersede rule', () => {
  it('the first delivery of a slot supersedes nothing', () => {
    expect(decideSlot(null, { sha256: sha('a'), contentType: 'application/xml' })).toEqual({ kind: 'first' });
  });

  it('the same bytes as the same content type repeat the current delivery', () => {
    expect(decideSlot(held, { sha256: sha('a'), contentType: 'application/xml' })).toEqual({
      kind: 'repeats',
      id: 'dlv_1',
    });
  });

  it('other bytes supersede the current delivery (a correction)', () => {
    expect(decideSlot(held, { sha256: sha('b'), contentType: 'application/xml' })).toEqual({
      kind: 'supersedes',
      id: 'dlv_1',
    });
  });

  it('the same bytes read as another content type are other values: they supersede', () => {
    expect(decideSlot(held, { sha256: sha('a'), contentType: 'text/csv; charset=utf-8' })).toEqual({
      kind: 'supersedes',
      id: 'dlv_1',
    });
  });
});
