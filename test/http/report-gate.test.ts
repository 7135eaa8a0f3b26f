import { describe, expect, it } from 'vitest';
import { ReportGate } from '../../src/auth/report-gate';

/**
 * A report's reads on the embedded database may never give the event loop back; the gate must.
 * "other work" stands for what else the node was sent (a request, /health): it is taken up
 * before a report starts and between any two reports.
 */
describe('the report gate gives the event loop back', () => {
  it('takes up other work before a report starts', async () => {
    const gate = new ReportGate(1);
    const order: string[] = [];
    setTimeout(() => order.push('other work'), 0);
    await gate.run('a', async () => {
      order.push('report a');
    });
    expect(order).toEqual(['other work', 'report a']);
  });

  it('takes up other work between two reports, the next in line after it', async () => {
    const gate = new ReportGate(1);
    const order: string[] = [];
    const a = gate.run('a', async () => {
      order.push('report a');
      // Work that arrives while report a runs (here: scheduled by it).
      setTimeout(() => order.push('other work'), 0);
    });
    const b = gate.run('b', async () => {
      order.push('report b');
    });
    await Promise.all([a, b]);
    expect(order).toEqual(['report a', 'other work', 'report b']);
  });

  it('refuses a second report of one principal while its first waits or runs', async () => {
    const gate = new ReportGate(1);
    let release = () => {};
    const a = gate.run('a', () => new Promise<void>((r) => (release = r)));
    await expect(gate.run('a', async () => {})).rejects.toMatchObject({ code: 'rate_limited' });
    await new Promise((r) => setTimeout(r, 5));
    release();
    await a;
    await expect(gate.run('a', async () => 'again')).resolves.toBe('again');
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });
});
