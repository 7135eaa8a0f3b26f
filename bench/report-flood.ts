/**
 * `npm run -s bench:report-flood -- URL ADMIN_TOKEN [clients] [seconds]`: against a running
 * gateway (best with a national year loaded: `npm run -s generate -- --national-year 2026
 * --load`), `clients` auditor tokens (default 27) each ask for ten years of daycare quality
 * (98 municipalities × 120 months) in a loop for `seconds` (default 30), while /health is asked
 * every 200 ms. Prints the answers by status and /health's latency: what the report gate
 * (src/auth/report-gate.ts) promises is that /health answers meanwhile.
 */
const [url = 'http://127.0.0.1:8787', admin = '', clientsArg = '27', secondsArg = '30'] =
  process.argv.slice(2);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const QUALITY = '/v1/quality?dataset=daycare&from=2017-01&to=2026-12';

async function issue(i: number): Promise<string> {
  const res = await fetch(`${url}/v1/admin/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'auditor', subject: `flood-${i}` }),
  });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

const tokens = await Promise.all(Array.from({ length: clients }, (_, i) => issue(i)));
const until = Date.now() + seconds * 1000;
const statuses = new Map<number, number>();
const reportMs: number[] = [];
const healthMs: number[] = [];
const flood = tokens.map(async (token) => {
  while (Date.now() < until) {
    const t = performance.now();
    const res = await fetch(`${url}${QUALITY}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 200) reportMs.push(performance.now() - t);
    // A refused client waits as Retry-After says, as a careful one would (at most 2 s).
    else
      await new Promise((r) =>
        setTimeout(r, Math.min(2, Number(res.headers.get('retry-after') ?? 1)) * 1000),
      );
  }
});
const health = (async () => {
  while (Date.now() < until) {
    const t = performance.now();
    await (await fetch(`${url}/health`)).arrayBuffer();
    healthMs.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 200));
  }
})();
await Promise.all([...flood, health]);
const f = (n: number) => `${n.toFixed(0)} ms`;
console.log(`${clients} clients × ${seconds} s of ${QUALITY}`);
console.log(`answers: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`);
console.log(`reports (200): median ${f(pct(reportMs, 50))}, p95 ${f(pct(reportMs, 95))}`);
console.log(
  `/health (${healthMs.length} asked): median ${f(pct(healthMs, 50))}, p95 ${f(pct(healthMs, 95))}, max ${f(Math.max(...healthMs))}`,
);

export {};
