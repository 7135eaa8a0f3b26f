import { describe, expect, it } from 'vitest';
import { type DeliveryFact, slotReports, slotsFromScopes } from '../../src/core/expectations';

describe('expected deliveries', () => {
  it('expects each named dataset × municipality of a source scope, once, and nothing from a wildcard scope', () => {
    const slots = slotsFromScopes(
      [
        { subject: 'sys-a', municipalities: ['147', '101'], datasets: ['daycare'] },
        { subject: 'sys-a', municipalities: ['101'], datasets: ['daycare', 'eldercare'] },
        { subject: 'sys-b', municipalities: ['*'], datasets: ['daycare'] },
        { subject: 'sys-c', municipalities: ['751'], datasets: ['eldercare'] },
      ],
      'daycare',
    );
    expect(slots).toEqual([
      { dataset: 'daycare', municipality: '101', source: 'sys-a' },
      { dataset: 'daycare', municipality: '147', source: 'sys-a' },
    ]);
  });

  const slots = [
    { dataset: 'daycare', municipality: '101', source: 'a' },
    { dataset: 'daycare', municipality: '147', source: 'a' },
    { dataset: 'daycare', municipality: '151', source: 'a' },
    { dataset: 'daycare', municipality: '153', source: 'a' },
  ];
  const deadline = new Date('2026-11-11T00:00:00Z');
  const d = (
    id: string,
    municipality: string,
    status: DeliveryFact['status'],
    receivedAt: string,
    problem: string | null = null,
  ): DeliveryFact => ({
    id,
    municipality,
    source: 'a',
    status,
    receivedAt,
    problem: problem ? { code: problem } : null,
  });
  const facts = [
    d('d1', '101', 'rejected', '2026-11-03T08:00:00Z', 'delivery_rejected'),
    d('d2', '101', 'accepted', '2026-11-04T08:00:00Z'),
    d('d3', '147', 'accepted', '2026-11-12T08:00:00Z'),
    d('d4', '151', 'rejected', '2026-11-05T08:00:00Z', 'not_well_formed'),
    d('d5', '101', 'accepted', '2026-11-20T08:00:00Z'),
  ];

  it('says received, late, missing — with attempts and the last problem — once the deadline has passed', () => {
    const r = slotReports(slots, '2026-10', facts, deadline, new Date('2026-11-26T00:00:00Z'));
    expect(
      r.map((x) => [x.municipality, x.status, x.delivery, x.attempts, x.rejected, x.lastProblem]),
    ).toEqual([
      ['101', 'received', 'd5', 3, 1, 'delivery_rejected'],
      ['147', 'late', 'd3', 1, 0, null],
      ['151', 'missing', null, 1, 1, 'not_well_formed'],
      ['153', 'missing', null, 0, 0, null],
    ]);
  });

  it('says pending for what is not yet due', () => {
    const r = slotReports(slots, '2026-10', facts.slice(0, 2), deadline, new Date('2026-11-06T00:00:00Z'));
    expect(r.map((x) => x.status)).toEqual(['received', 'pending', 'pending', 'pending']);
  });
});
