import { describe, expect, it } from 'vitest';
import { REPORT_TIME_SHARE, REPORT_WINDOW_MS, ReportGate } from '../../src/auth/report-gate';

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

describe('the report gate keeps the time of the node for the rest', () => {
  it(`lets reports take at most ${REPORT_TIME_SHARE * 100} % of the last ${REPORT_WINDOW_MS / 1000} s, then answers 429 until enough has passed`, async () => {
    let now = 0;
    const gate = new ReportGate(1, () => now);
    // Each report takes 2 s of the node's time; one ends every 2 s.
    const report = () => async () => {
      now += 2000;
    };
    for (let i = 0; i < 2; i++) await gate.run(`t${i}`, report());
    // 4 s of the last 10 s: a third fits (6 s by its end).
    await gate.run('t2', report());
    // 6 s spent (ended at 2, 4 and 6 s): the next is refused until the first has left the window.
    const refused = gate.run('t3', report());
    await expect(refused).rejects.toMatchObject({ code: 'rate_limited', extensions: { retryAfter: 6 } });
    now += 6000; // 12 s: the report that ended at 2 s has left the window; 4 s remain.
    await expect(gate.run('t3', report())).resolves.toBeUndefined();
  });
});
