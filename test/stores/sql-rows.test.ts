import { describe, expect, it } from 'vitest';
import { RowShapeError } from '../../src/stores/sql/columns';
import { readDelivery, readPush } from '../../src/stores/sql/rows';

const deliveryRow = {
  id: 'dlv_1',
  dataset: 'daycare-children',
  dataset_version: 2,
  municipality: '0101',
  period: '2024-01',
  slot_seq: 2,
  source: 'kommune-0101',
  actor: 'tok_1',
  status: 'accepted',
  content_type: 'application/xml',
  idempotency_key: null,
  received_at: new Date('2024-01-02T03:04:05.678Z'),
  completed_at: '2024-01-02T03:04:06.000Z',
  sha256: 'a'.repeat(64),
  // pg hands bigint back as text; PGlite as a number.
  bytes: '6000000000',
  records_total: 3,
  records_valid: 3,
  records_invalid: 0,
  error_count: 4,
  // jsonb: an object from pg and PGlite, text from a driver that does not parse it.
  errors_by_rule: { cpr: 3, required: 1 },
  supersedes: null,
  superseded_by: null,
  receipt: 'r',
  problem: null,
};

describe('SQL row readers', () => {
  it('read what pg and PGlite hand back alike: text or numbers for bigint, Date or text for a timestamp', () => {
    const d = readDelivery(deliveryRow);
    expect(d.bytes).toBe(6_000_000_000);
    expect(readDelivery({ ...deliveryRow, bytes: 6_000_000_000 })).toEqual(d);
    expect(d.receivedAt).toBe('2024-01-02T03:04:05.678Z');
    expect(d.completedAt).toBe('2024-01-02T03:04:06.000Z');
    expect(d.records).toEqual({ total: 3, valid: 3, invalid: 0 });
    expect(d.sequence).toBe(2);
    expect(d.errorsByRule).toEqual({ cpr: 3, required: 1 });
    expect(readDelivery({ ...deliveryRow, errors_by_rule: '{"cpr":3,"required":1}' })).toEqual(d);
  });

  it('refuse a row that does not fit, naming the table and the column', () => {
    expect(() => readDelivery({ ...deliveryRow, status: 'lost' })).toThrow(RowShapeError);
    expect(() => readDelivery({ ...deliveryRow, status: 'lost' })).toThrow(/deliveries\.status/);
    expect(() => readDelivery({ ...deliveryRow, dataset: null })).toThrow(
      /deliveries\.dataset: expected text/,
    );
    expect(() => readDelivery({ ...deliveryRow, bytes: 'many' })).toThrow(/deliveries\.bytes/);
    expect(() => readDelivery({ ...deliveryRow, received_at: 'yesterday' })).toThrow(/received_at/);
    expect(() => readDelivery({ ...deliveryRow, problem: { code: 1 } })).toThrow(/deliveries\.problem/);
    expect(() => readDelivery({ ...deliveryRow, slot_seq: null })).toThrow(/deliveries\.slot_seq/);
    for (const bad of [{ cpr: 'three' }, { cpr: 0 }, { cpr: 1.5 }, [1], null])
      expect(() => readDelivery({ ...deliveryRow, errors_by_rule: bad })).toThrow(
        /deliveries\.errors_by_rule/,
      );
  });

  it('check a push target is one the pusher knows', () => {
    const row = {
      extract_id: 'ext_1',
      recipient: 'stil',
      target: { type: 'ftp', url: 'ftp://x' },
      status: 'pending',
      attempts: 0,
      next_attempt_at: '2024-01-01T00:00:00.000Z',
      last_error: null,
      location: null,
      delivered_at: null,
      created_at: '2024-01-01T00:00:00.000Z',
      claimed_until: null,
    };
    expect(() => readPush(row)).toThrow(/pushes\.target/);
    expect(readPush({ ...row, target: JSON.stringify({ type: 'https', url: 'https://x' }) }).target).toEqual({
      type: 'https',
      url: 'https://x',
    });
  });
});
