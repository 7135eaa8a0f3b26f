import { type Contract, contractOf } from './contract';

/**
 * Holds the answers of gateways the tests run as their own process (reached with fetch) to
 * the OpenAPI document, as the harness does for the gateway in the test's process. Only
 * answers from this machine that a gateway's /openapi.json describes are checked; anything
 * else a test fetches (push targets, object stores) passes untouched.
 */
const realFetch = globalThis.fetch;
const contracts = new Map<string, Promise<Contract | null>>();

function contractAt(origin: string): Promise<Contract | null> {
  let c = contracts.get(origin);
  if (!c) {
    c = realFetch(`${origin}/openapi.json`)
      .then(async (res) => {
        const type = res.headers.get('content-type') ?? '';
        if (!res.ok || !type.startsWith('application/json')) return null;
        const copy = res.clone();
        const doc = (await res.json()) as { info?: { title?: string } };
        return doc.info?.title === 'Delivery gateway' ? contractOf(async () => copy) : null;
      })
      .catch(() => null);
    contracts.set(origin, c);
  }
  return c;
}

globalThis.fetch = async function checkedFetch(input: RequestInfo | URL, init?: RequestInit) {
  const res = await realFetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  // Only the gateway's own paths: a push target's request counts stay untouched.
  if (
    !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) ||
    !/^\/(v1\/|health$|metrics$|\.well-known\/jwks\.json$)/.test(url.pathname)
  )
    return res;
  const contract = await contractAt(url.origin);
  if (!contract?.templateOf(url.pathname)) return res;
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  await contract.check(method, url.pathname, res);
  return res;
};
