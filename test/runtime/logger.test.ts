import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/node-services';

describe('the log', () => {
  const capture = () => {
    const lines: string[] = [];
    const log = createLogger(
      'info',
      new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    return { log, text: () => lines.join('') };
  };

  it('never carries text shaped like a CPR number, wherever it appears', () => {
    const { log, text } = capture();
    log.info(
      { cpr: '0101215123', nested: { note: 'child 1502225678 moved', list: ['290220-5999'] } },
      'record 3112209999 rejected',
    );
    log.error({ err: new Error('value 0101215123 is not valid') }, 'failure');
    const out = text();
    for (const cpr of ['0101215123', '1502225678', '290220-5999', '3112209999'])
      expect(out).not.toContain(cpr);
    // As people write them: other separators between the digits.
    log.info(
      { path: '/v1/deliveries/010121 5123' },
      'a 010121_5123 b 010121.5123 c 01.01.21-5123 d 0101-215123 e 010121\u20135123',
    );
    const more = text();
    for (const cpr of [
      '010121 5123',
      '010121_5123',
      '010121.5123',
      '01.01.21-5123',
      '0101-215123',
      '010121\u20135123',
    ])
      expect(more).not.toContain(cpr);
    expect(out).toContain('[cpr]');
    // An error keeps what an operator needs: its message (masked) and where it was thrown.
    const failure = JSON.parse(out.split('\n').find((l) => l.includes('"failure"')) ?? '{}');
    expect(failure.err?.message).toBe('value [cpr] is not valid');
    expect(failure.err?.stack).toContain('logger.test.ts');
    expect(out).toContain('rejected');
  });

  it('redacts tokens and authorization headers by name', () => {
    const { log, text } = capture();
    log.info({ token: 'gw_secret_value', headers: { authorization: 'Bearer gw_other' } }, 'x');
    expect(text()).not.toContain('gw_secret_value');
    expect(text()).not.toContain('gw_other');
  });

  it('leaves ordinary numbers alone', () => {
    const { log, text } = capture();
    log.info({ records: 1000000, bytes: 285000000 }, 'delivery accepted');
    expect(text()).toContain('"records":1000000');
  });
});
