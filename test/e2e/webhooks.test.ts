import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { raiseOverdue } from '../../src/jobs/overdue';
import { runWebhooks, type WebhookDeps } from '../../src/pipeline/webhooks';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A subscriber's endpoint: down (refuses connections), flaky (every other request 503), or up. */
async function receiver() {
  const received: Received[] = [];
  let mode: 'down' | 'flaky' | 'up' | 'broken' = 'down';
  let flip = false;
  let server: Server | null = null;
  const handler = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    let status = 204;
    if (mode === 'broken') status = 500;
    if (mode === 'flaky') {
      flip = !flip;
      status = flip ? 503 : 200;
    }
    received.push({ path: req.url ?? '', headers: req.headers, body, answered: status });
    res.writeHead(status).end();
  });
  handler.listen(0, '127.0.0.1');
  await once(handler, 'listening');
  const port = (handler.address() as { port: number }).port;
  // "down" is a closed port: the gateway's connection is refused.
  handler.close();
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    async set(next: typeof mode) {
      mode = next;
      if (next !== 'down' && !server) {
        server = handler.listen(port, '127.0.0.1');
        await once(server, 'listening');
      }
      if (next === 'down' && server) {
        await new Promise<void>((r) => server?.close(() => r()));
        server = null;
      }
    },
    close: () => new Promise<void>((r) => (server ? server.close(() => r()) : r())),
  };
}

const daycare = (seed: number) =>
  [...syntheticDelivery({ dataset: 'daycare', records: 5, format: 'xml', seed })].join('');

/**
 * Issue 15: webhooks per Standard Webhooks. A receiver that is down, then flaky, then up gets
 * every event, in order per subject, each signature valid by an independent implementation,
 * and none twice once it answered 2xx.
 */
describe('webhooks', () => {
  let gw: Gateway;
  let rcv: Awaited<ReturnType<typeof receiver>>;
  let offset = 0;
  let deps: WebhookDeps;
  const subs: Record<string, { id: string; secret: string }> = {};
  let sourceA: string;
  let sourceB: string;
  let dst: string;

  const subscribe = async (token: string, path: string, events: string[]) => {
    const res = await gw.request('/v1/subscriptions', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: rcv.url(path), events }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as { id: string; secret: string };
  };
  /** Runs the webhook worker as the push runner would, with the clock moved past any back-off. */
  const work = async (rounds: number) => {
    for (let i = 0; i < rounds; i++) {
      offset += 3000;
      await runWebhooks(deps, 100);
    }
  };
  const send = async (token: string, municipality: string, seed: number) => {
    const res = await submit(
      gw,
      token,
      daycare(seed),
      `dataset=daycare&municipality=${municipality}&period=2026-10`,
    );
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; extracts: Array<{ id: string; recipient: string }> };
  };

  beforeAll(async () => {
    rcv = await receiver();
    // The embedded database (one connection): routing reads within the enqueue's transaction.
    gw = await startGateway({ GATEWAY_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
    gw.services.now = () => new Date(Date.now() + offset);
    deps = {
      metadata: gw.services.metadata,
      seal: gw.services.webhooks.seal,
      settings: {
        ...gw.services.webhooks.settings,
        initialDelaySeconds: 1,
        maxDelaySeconds: 2,
        maxAttempts: 100,
      },
      now: () => gw.services.now(),
    };
    const source = async (subject: string, municipalities: string[]) =>
      (await gw.issueToken({ role: 'source', subject, municipalities, datasets: ['daycare'] })).token;
    sourceA = await source('sys-a', ['101', '147']);
    sourceB = await source('sys-b', ['461']);
    dst = (await gw.issueToken({ role: 'recipient', subject: 'dst-intake', recipient: 'dst' })).token;
    subs.admin = await subscribe(ADMIN_TOKEN, '/admin', [
      'delivery.accepted',
      'extract.available',
      'extract.refused',
      'extract.overdue',
      'run.completed',
    ]);
    subs.source = await subscribe(sourceA, '/sys-a', [
      'delivery.accepted',
      'extract.refused',
      'extract.overdue',
    ]);
    subs.dst = await subscribe(dst, '/dst', ['extract.available']);
  });
  afterAll(async () => {
    await rcv?.close();
    await gw?.close();
  });

  it('refuses what a subscriber may not have: other roles, events outside its role, private URLs', async () => {
    const post = (token: string, body: unknown) =>
      gw.request('/v1/subscriptions', {
        method: 'POST',
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const auditor = (await gw.issueToken({ role: 'auditor', subject: 'audit' })).token;
    expect((await post(auditor, { url: 'https://example.org/h', events: ['run.completed'] })).status).toBe(
      403,
    );
    const notMine = await post(dst, { url: 'https://example.org/h', events: ['delivery.accepted'] });
    expect(notMine.status).toBe(422);
    for (const url of [
      'http://example.org/h',
      'https://10.0.0.8/h',
      'https://169.254.169.254/latest',
      'https://[::1]/h',
      'https://localhost/h',
      'https://user:pw@example.org/h',
      'https://example.org:0/h',
      'not a url',
    ]) {
      const res = await post(dst, { url, events: ['extract.available'] });
      expect(res.status, url).toBe(422);
      expect(await res.text()).not.toContain(url);
    }
    expect((await post(dst, { url: 'https://example.org/h', events: [] })).status).toBe(400);
    expect(
      (await post(dst, { url: 'https://example.org/h', events: ['extract.available'], x: 1 })).status,
    ).toBe(400);
  });

  it('delivers every event through down, flaky and up, signed, in order per subject, none twice', async () => {
    // Down: the events wait.
    const a1 = await send(sourceA, '101', 1);
    const a2 = await send(sourceA, '147', 2);
    const b1 = await send(sourceB, '461', 3);
    await work(3);
    expect(rcv.received).toEqual([]);
    // Flaky: every other request fails; a correction of 101 arrives meanwhile.
    await rcv.set('flaky');
    const a3 = await send(sourceA, '101', 4);
    await work(12);
    // Up: a refusal.
    await rcv.set('up');
    const dstOfA3 = a3.extracts.find((e) => e.recipient === 'dst')?.id as string;
    const refused = await gw.request(`/v1/extracts/${dstOfA3}/receipts`, {
      method: 'POST',
      token: dst,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'refused', reason: 'Column WeeklyHours is empty' }),
    });
    expect(refused.status).toBe(201);
    await work(6);

    // Every message verifies with the Standard Webhooks reference implementation.
    const verified = rcv.received.map((r) => {
      const sub = Object.values(subs).find((s) => {
        try {
          new Webhook(s.secret).verify(r.body, r.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      });
      expect(sub, `a message no subscription's secret verifies: ${r.headers['webhook-id']}`).toBeDefined();
      return {
        ...r,
        sub: sub?.id as string,
        msg: JSON.parse(r.body) as { type: string; data: Record<string, unknown> },
      };
    });
    // A tampered body does not verify.
    const first = verified[0] as (typeof verified)[number];
    expect(() =>
      new Webhook(subs.admin?.secret as string).verify(
        `${first.body} `,
        first.headers as Record<string, string>,
      ),
    ).toThrow();

    // Acknowledged (2xx) once each: no webhook-id answered 2xx twice.
    const ok = verified.filter((r) => r.answered < 300);
    const ids = ok.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    // Nothing pending is left.
    for (const s of Object.values(subs)) {
      const pending = (await (
        await gw.request(`/v1/subscriptions/${s.id}/messages?status=pending`, { token: ADMIN_TOKEN })
      ).json()) as { items: unknown[] };
      expect(pending.items).toEqual([]);
    }

    // What each subscriber heard, by event and subject.
    const heard = (sub: string) =>
      ok
        .filter((r) => r.sub === sub)
        .map((r) => `${r.msg.type} ${String(r.msg.data.extract ?? r.msg.data.delivery)}`);
    const extractsOf = (d: typeof a1, recipient?: string) =>
      d.extracts.filter((e) => !recipient || e.recipient === recipient).map((e) => e.id);
    const all = [a1, a2, b1, a3];
    expect(heard(subs.admin?.id as string).sort()).toEqual(
      [
        ...all.map((d) => `delivery.accepted ${d.id}`),
        ...all.flatMap((d) => extractsOf(d).map((id) => `extract.available ${id}`)),
        `extract.refused ${dstOfA3}`,
      ].sort(),
    );
    // sys-a: its own deliveries only (not sys-b's 461), and the refusal of its extract.
    expect(heard(subs.source?.id as string).sort()).toEqual(
      [...[a1, a2, a3].map((d) => `delivery.accepted ${d.id}`), `extract.refused ${dstOfA3}`].sort(),
    );
    // dst: its own extracts only.
    expect(heard(subs.dst?.id as string).sort()).toEqual(
      all
        .flatMap((d) => extractsOf(d, 'dst'))
        .map((id) => `extract.available ${id}`)
        .sort(),
    );

    // In order per subject: for each subscription and subject, timestamps never go back.
    const seqOf = new Map<string, number>();
    for (const r of ok) {
      const key = `${r.sub} ${String(r.msg.data.extract ?? r.msg.data.delivery)}`;
      const at = Date.parse(String((r.msg as { timestamp?: string }).timestamp));
      expect(at).toBeGreaterThanOrEqual(seqOf.get(key) ?? 0);
      seqOf.set(key, at);
    }
    // The refusal carries its reason; the correction says what it replaces.
    const refusal = ok.find((r) => r.msg.type === 'extract.refused' && r.sub === subs.source?.id);
    expect(refusal?.msg.data).toMatchObject({
      reason: 'Column WeeklyHours is empty',
      recipient: 'dst',
      version: 2,
    });
    expect(refusal?.msg.data.replaces).toBe(a1.extracts.find((e) => e.recipient === 'dst')?.id);
  });

  it('raises overdue acknowledgements to the source, and gives up on a dead endpoint until an admin resends', async () => {
    const dead = await subscribe(ADMIN_TOKEN, '/dead', ['extract.overdue']);
    await rcv.set('broken');
    const before = rcv.received.length;
    offset += 40 * 86_400_000; // past every acknowledgement's due time
    const overdue = (await raiseOverdue({ metadata: gw.services.metadata, now: gw.services.now })).overdue;
    expect(overdue.length).toBeGreaterThan(0);
    // Back to the present: a receiver checks each message's timestamp against its own clock.
    offset -= 40 * 86_400_000;
    const few = { ...deps, settings: { ...deps.settings, maxAttempts: 2 } };
    for (let i = 0; i < 4; i++) {
      offset += 3000;
      await runWebhooks(few, 200);
    }
    expect(rcv.received.length).toBeGreaterThan(before);
    const failed = (await (
      await gw.request(`/v1/subscriptions/${dead.id}/messages?status=failed`, { token: ADMIN_TOKEN })
    ).json()) as { items: Array<{ id: string; attempts: number; lastError: string }> };
    expect(failed.items.length).toBe(overdue.length);
    expect(failed.items[0]?.attempts).toBe(2);
    expect(failed.items[0]?.lastError).toContain('answered 500');

    await rcv.set('up');
    const target = failed.items[0]?.id as string;
    const resend = await gw.request(`/v1/subscriptions/${dead.id}/messages/${target}/retry`, {
      method: 'POST',
      token: ADMIN_TOKEN,
    });
    expect(resend.status).toBe(202);
    const again = await gw.request(`/v1/subscriptions/${dead.id}/messages/${target}/retry`, {
      method: 'POST',
      token: ADMIN_TOKEN,
    });
    expect(again.status).toBe(409);
    await work(2);
    const delivered = rcv.received.filter((r) => r.headers['webhook-id'] === target && r.answered < 300);
    expect(delivered).toHaveLength(1);
    new Webhook(dead.secret).verify(
      delivered[0]?.body as string,
      delivered[0]?.headers as Record<string, string>,
    );
    // The source heard of its own overdue extracts, signed with its own secret.
    const sourceOverdue = rcv.received.filter(
      (r) => r.path === '/sys-a' && r.body.includes('"extract.overdue"'),
    );
    expect(sourceOverdue.length).toBeGreaterThan(0);
    for (const r of sourceOverdue) {
      const msg = new Webhook(subs.source?.secret as string).verify(
        r.body,
        r.headers as Record<string, string>,
      ) as {
        data: { extract: string };
      };
      expect(overdue.map((e) => e.id)).toContain(msg.data.extract);
    }
  });

  it('each token sees and deletes only its own subscriptions', async () => {
    const mine = (await (await gw.request('/v1/subscriptions', { token: dst })).json()) as {
      items: Array<{ id: string }>;
    };
    expect(mine.items.map((s) => s.id)).toEqual([subs.dst?.id]);
    expect((await gw.request(`/v1/subscriptions/${subs.admin?.id}`, { token: dst })).status).toBe(404);
    expect(
      (await gw.request(`/v1/subscriptions/${subs.admin?.id}`, { token: dst, method: 'DELETE' })).status,
    ).toBe(404);
    expect(
      (await gw.request(`/v1/subscriptions/${subs.dst?.id}`, { token: dst, method: 'DELETE' })).status,
    ).toBe(204);
    expect((await gw.request(`/v1/subscriptions/${subs.dst?.id}`, { token: dst })).status).toBe(404);
  });

  it("stops a revoked token's subscription, also for the messages still waiting", async () => {
    await rcv.set('broken');
    const sysC = await gw.issueToken({
      role: 'source',
      subject: 'sys-c',
      municipalities: ['851'],
      datasets: ['daycare'],
    });
    const sub = await subscribe(sysC.token, '/sys-c', ['delivery.accepted', 'extract.available']);
    await send(sysC.token, '851', 21);
    await work(1);
    const before = rcv.received.filter((r) => r.path === '/sys-c').length;
    expect(before).toBeGreaterThan(0);
    expect(
      (await gw.request(`/v1/admin/tokens/${sysC.id}`, { method: 'DELETE', token: ADMIN_TOKEN })).status,
    ).toBe(204);
    await rcv.set('up');
    await work(3);
    expect(rcv.received.filter((r) => r.path === '/sys-c')).toHaveLength(before);
    const left = (await (
      await gw.request(`/v1/subscriptions/${sub.id}/messages?status=failed`, { token: ADMIN_TOKEN })
    ).json()) as { items: Array<{ lastError: string }> };
    expect(left.items.length).toBeGreaterThan(0);
    expect(left.items.every((m) => m.lastError.includes('revoked'))).toBe(true);
  });

  it('sends to several subscriptions at once: a receiver that holds its request holds up only itself', async () => {
    // The slow receiver keeps its first request open until the quick one has had its messages
    // (or 8 s pass): sent one after another, the quick one would get nothing meanwhile.
    const quick = await receiver();
    await quick.set('up');
    let releasedByQuick = false;
    const held = createServer(async (req, res) => {
      for await (const _ of req);
      for (let i = 0; i < 80 && quick.received.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      releasedByQuick = quick.received.length >= 2;
      res.writeHead(204).end();
    });
    held.listen(0, '127.0.0.1');
    await once(held, 'listening');
    const heldUrl = `http://127.0.0.1:${(held.address() as { port: number }).port}/held`;
    const post = (url: string) =>
      gw.request('/v1/subscriptions', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url, events: ['delivery.accepted'] }),
      });
    const slowSub = (await (await post(heldUrl)).json()) as { id: string };
    const quickSub = (await (await post(quick.url('/quick'))).json()) as { id: string };
    await send(sourceA, '147', 31);
    await send(sourceA, '101', 32);
    await work(2);
    expect(releasedByQuick).toBe(true);
    expect(quick.received.filter((r) => r.answered < 300)).toHaveLength(2);
    for (const id of [slowSub.id, quickSub.id])
      await gw.request(`/v1/subscriptions/${id}`, { method: 'DELETE', token: ADMIN_TOKEN });
    held.close();
    await quick.close();
  });
});
