import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type SpawnedGateway, spawnGateway } from '../support/harness';

const ADMIN = 'hostile-intake-admin-token-0123456789abcdef';

/**
 * Refusals while a body is received, inflated or parsed, against the gateway as its own
 * process: the refusal ends the request with its problem, the process stays up, the
 * delivery it opened is finished and its staged objects are gone.
 */
describe('refusing a hostile delivery leaves the gateway up and clean', () => {
  let g: SpawnedGateway;
  let url: string;
  let dataDir: string;
  let source: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gateway-hostile-'));
    g = spawnGateway({ GATEWAY_DATA_DIR: dataDir, GATEWAY_ADMIN_TOKEN: ADMIN });
    url = await g.ready;
    const res = await fetch(`${url}/v1/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        role: 'source',
        subject: 'hostile',
        municipalities: ['101'],
        datasets: ['daycare'],
      }),
    });
    source = ((await res.json()) as { token: string }).token;
  }, 60_000);
  afterAll(async () => {
    await g?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const types = {
    xml: 'application/xml',
    csv: 'text/csv',
    ndjson: 'application/x-ndjson',
  } as const;
  const valid = (format: keyof typeof types, records: number) =>
    Buffer.from([...syntheticDelivery({ dataset: 'daycare', records, format, seed: 11 })].join(''));
  const send = (body: Uint8Array, contentType: string, encoding?: string) =>
    fetch(`${url}/v1/deliveries?dataset=daycare&municipality=101&period=2026-10`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${source}`,
        'content-type': contentType,
        ...(encoding ? { 'content-encoding': encoding } : {}),
      },
      body: body as BodyInit,
    });
  const stillUp = async () => {
    expect(g.child.exitCode).toBeNull();
    expect((await fetch(`${url}/health`)).status).toBe(200);
  };
  const finished = async (deliveryId: string) => {
    const d = (await (
      await fetch(`${url}/v1/deliveries/${deliveryId}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { status: string };
    expect(['rejected', 'failed']).toContain(d.status);
    const staged = join(dataDir, 'objects', 'deliveries', deliveryId);
    expect(existsSync(staged) ? readdirSync(staged) : []).toEqual([]);
  };
  const refused = async (res: Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { status: number; deliveryId?: string };
    expect(problem.status).toBe(status);
    await stillUp();
    if (problem.deliveryId) await finished(problem.deliveryId);
    return problem;
  };

  it('a gzip body of zeros (a small bomb) is refused and the process lives', async () => {
    const zeros = gzipSync(Buffer.alloc(10_000_000), { level: 9 });
    expect(zeros.length).toBeLessThan(12_000);
    for (const type of Object.values(types)) await refused(await send(zeros, type, 'gzip'), 400);
  }, 60_000);

  for (const [format, type] of Object.entries(types) as Array<[keyof typeof types, string]>) {
    const body = valid(format, 3000);
    for (const [where, at] of [
      ['start', 40],
      ['middle', Math.floor(body.length / 2)],
      ['end', body.length - 3],
    ] as const) {
      it(`${format}, gzip, broken at the ${where}: refused, the process lives`, async () => {
        const broken = Buffer.from(body);
        // A NUL is refused by every reader (XML forbids it, CSV and NDJSON fields must not carry it).
        broken.fill(0, at, at + 2);
        const res = await send(gzipSync(broken), type, 'gzip');
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        await refused(res, res.status);
      }, 30_000);
      it(`${format}, gzip stream cut at the ${where}: refused, the process lives`, async () => {
        const gz = gzipSync(body);
        const cut = gz.subarray(0, Math.max(20, Math.floor((gz.length * at) / body.length)));
        await refused(await send(cut, type, 'gzip'), 400);
      }, 30_000);
    }
  }

  it('gzip inside gzip is refused as not well-formed, not inflated twice', async () => {
    const twice = gzipSync(gzipSync(valid('xml', 100)));
    await refused(await send(twice, types.xml, 'gzip'), 400);
  }, 30_000);

  /** One text node of 100 M characters, gzipped (about 2 MB) at about 50 : 1, under the ratio a
   * decompression bomb is refused at, so only the bound on one text node can stop it. */
  const hugeTextNode = async () => {
    const block = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < block.length; i += 97) block[i] = 0x62 + ((i * 7) % 20);
    const zlib = await import('node:zlib');
    const gz = zlib.createGzip({ level: 1 });
    const parts: Buffer[] = [];
    gz.on('data', (d: Buffer) => parts.push(d));
    const done = new Promise((r) => gz.on('end', r));
    gz.write(
      '<?xml version="1.0" encoding="UTF-8"?><Delivery xmlns="urn:flis-gateway:daycare:1"><Enrolment><InstitutionName>',
    );
    for (let i = 0; i < 100; i++) gz.write(block);
    gz.end();
    await done;
    return Buffer.concat(parts);
  };

  it('one text node of 100 M characters is refused without holding it', async () => {
    const body = await hugeTextNode();
    expect(body.length).toBeGreaterThan((100 * 1024 * 1024) / 200);
    const before = await rss();
    const problem = await refused(await send(body, types.xml, 'gzip'), 422);
    expect(problem).toMatchObject({ type: '/problems/unprocessable' });
    // 100 M characters held as a string would be 100 MB of heap at least, 200 MB as UTF-16.
    expect((await rss()) - before).toBeLessThan(80 * 1024 * 1024);
  }, 60_000);

  it('eight such bodies at once stay within a bounded peak', async () => {
    const body = await hugeTextNode();
    const before = await rss();
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(body, types.xml, 'gzip')));
    for (const res of answers) expect(res.status).toBe(422);
    await stillUp();
    // Eight strings of 100 M characters would be 800 MB at least.
    expect((await rss()) - before).toBeLessThan(200 * 1024 * 1024);
  }, 90_000);

  it('a chunked body with broken framing is a client error: no 500 counted, nothing logged as unhandled', async () => {
    const { connect } = await import('node:net');
    const { port } = new URL(url);
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        let answer = '';
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
        socket.on('data', (d) => {
          answer += String(d);
        });
        socket.on('error', () => resolve(answer));
        socket.on('close', () => resolve(answer));
        setTimeout(() => socket.destroy(), 3000);
      });
    /** What HTTP itself refuses is answered with a problem document too, never a bare status line. */
    const expectProblem = (answer: string, status: number) => {
      expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      const [head, body] = answer.split('\r\n\r\n');
      expect(head?.toLowerCase()).toContain('content-type: application/problem+json');
      expect(JSON.parse(body ?? '')).toMatchObject({ type: '/problems/bad_request', status });
    };
    const broken = '2\r\n{"\r\nzz\r\n';
    expectProblem(
      await raw(
        `POST /session HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n${broken}`,
      ),
      400,
    );
    expectProblem(
      await raw(
        `POST /v1/deliveries?dataset=daycare&municipality=101&period=2026-10 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${source}\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<?xml\r\nzz\r\n`,
      ),
      400,
    );
    expectProblem(
      await raw('GET /health HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'),
      400,
    );
    expectProblem(await raw(`GET /health HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`), 431);
    await new Promise((r) => setTimeout(r, 500));
    await stillUp();
    const metrics = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).text();
    expect(metrics).not.toMatch(/status="5\d\d"/);
    expect(g.output()).not.toContain('unhandled error');
    const list = (await (
      await fetch(`${url}/v1/deliveries?status=failed`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
  }, 30_000);

  const rss = async () => {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${g.child.pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return Number(m?.[1] ?? 0) * 1024;
  };
});
