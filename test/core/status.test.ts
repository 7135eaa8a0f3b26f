import { describe, expect, it } from 'vitest';
import { type DeliveryFact, type SlotFacts, slotState } from '../../src/core/status';

const d = (over: Partial<DeliveryFact> & Pick<DeliveryFact, 'id' | 'receivedAt'>): DeliveryFact => ({
  status: 'accepted',
  supersededBy: null,
  validRecords: 100,
  errorsByRule: {},
  ...over,
});
const slot = (over: Partial<SlotFacts>): SlotFacts => ({
  dataset: 'daycare',
  municipality: '101',
  period: '2026-10',
  deadline: '2026-11-13',
  today: '2026-11-05',
  attempts: [],
  previous: [],
  anomalyBand: 0.2,
  ...over,
});

describe('the status of one obligated slot', () => {
  it('nothing yet: pending until the deadline, missing the day after', () => {
    expect(slotState(slot({ today: '2026-11-13' })).status).toBe('pending');
    expect(slotState(slot({ today: '2026-11-14' })).status).toBe('missing');
  });

  it('received on the deadline day in Danish time; late after it, by the first accepted delivery', () => {
    // 23:30 on 13 November in Copenhagen is 22:30 UTC.
    const onTime = d({ id: 'a', receivedAt: '2026-11-13T22:30:00.000Z' });
    expect(slotState(slot({ attempts: [onTime], today: '2026-12-01' })).status).toBe('received');
    const justLate = d({ id: 'b', receivedAt: '2026-11-13T23:00:00.000Z' });
    expect(slotState(slot({ attempts: [justLate] })).status).toBe('late');
    // A correction after the deadline keeps the slot received; the correction is current.
    const correction = d({ id: 'c', receivedAt: '2026-11-20T10:00:00.000Z', validRecords: 90 });
    const s = slotState(
      slot({ attempts: [correction, { ...onTime, supersededBy: 'c' }], today: '2026-12-01' }),
    );
    expect([s.status, s.delivery, s.receivedAt, s.records, s.attempts]).toEqual([
      'received',
      'c',
      '2026-11-20T10:00:00.000Z',
      90,
      2,
    ]);
  });

  it('rejected: nothing accepted and the latest attempt rejected or failed, before or after the deadline', () => {
    const rejected = d({
      id: 'r',
      status: 'rejected',
      receivedAt: '2026-11-02T10:00:00Z',
      validRecords: 5,
      errorsByRule: { careType: 3 },
    });
    const failed = d({ id: 'f', status: 'failed', receivedAt: '2026-11-03T10:00:00Z', validRecords: null });
    const before = slotState(slot({ attempts: [rejected] }));
    expect([before.status, before.rejectedAttempts, before.delivery, before.records]).toEqual([
      'rejected',
      1,
      null,
      null,
    ]);
    expect(before.errorsByRule).toEqual({ careType: 3 });
    expect(slotState(slot({ attempts: [rejected, failed], today: '2026-12-01' })).status).toBe('rejected');
    // One still being received does not hide the rejection before it.
    const receiving = d({ id: 'x', status: 'receiving', receivedAt: '2026-11-04T10:00:00Z' });
    const s = slotState(slot({ attempts: [rejected, receiving] }));
    expect([s.status, s.attempts]).toEqual(['rejected', 2]);
    // Accepted after a rejection: received, with the rejected attempt counted.
    const ok = d({ id: 'o', receivedAt: '2026-11-05T10:00:00Z' });
    const after = slotState(slot({ attempts: [rejected, ok] }));
    expect([after.status, after.rejectedAttempts, after.errorsByRule]).toEqual(['received', 1, {}]);
  });

  it('records against the period before; an anomaly outside the band', () => {
    const now = d({ id: 'n', receivedAt: '2026-11-05T10:00:00Z', validRecords: 130 });
    const before = d({ id: 'p', receivedAt: '2026-10-05T10:00:00Z', validRecords: 100 });
    const s = slotState(slot({ attempts: [now], previous: [before] }));
    expect([s.records, s.previousRecords, s.change, s.anomaly]).toEqual([130, 100, 0.3, true]);
    const calm = slotState(slot({ attempts: [{ ...now, validRecords: 110 }], previous: [before] }));
    expect([calm.change, calm.anomaly]).toEqual([0.1, false]);
    expect(slotState(slot({ attempts: [{ ...now, validRecords: 120 }], previous: [before] })).anomaly).toBe(
      false,
    );
    const none = slotState(slot({ attempts: [now] }));
    expect([none.previousRecords, none.change, none.anomaly]).toEqual([null, null, false]);
    const zero = slotState(slot({ attempts: [now], previous: [{ ...before, validRecords: 0 }] }));
    expect([zero.previousRecords, zero.change]).toEqual([0, null]);
  });
});
