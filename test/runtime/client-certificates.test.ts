import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedGateway, spawnGateway } from '../support/harness';

const ADMIN = 'cert-test-admin-token-0123456789abcdef';
const HAVE_OPENSSL = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!HAVE_OPENSSL) console.warn('openssl not found: client certificate tests skipped');

/** A CA, a server certificate for 127.0.0.1, two client certificates from the CA and one from nobody. */
function makePki(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/C=DK/O=Test CA/CN=Test Root',
  );
  const issue = (name: string, subj: string, ext?: string) => {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subj,
    );
    const args = [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
    ];
    if (ext) {
      writeFileSync(join(dir, `${name}.ext`), ext);
      args.push('-extfile', `${name}.ext`);
    }
    ssl(...args);
  };
  issue('server', '/C=DK/O=Gateway/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\n');
  issue('dst', '/C=DK/O=Danmarks Statistik/CN=dst-intake');
  issue('audit', '/C=DK/O=Rigsrevisionen/CN=revisor');
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'stranger.key',
    '-out',
    'stranger.pem',
    '-days',
    '2',
    '-subj',
    '/C=DK/O=Danmarks Statistik/CN=dst-intake',
  );
  const read = (f: string) => readFileSync(join(dir, f));
  return { read };
}

function get(
  url: string,
  opts: {
    ca: Buffer;
    cert?: Buffer;
    key?: Buffer;
    headers?: Record<string, string>;
    method?: string;
    body?: string;
  },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', ca: opts.ca, cert: opts.cert, key: opts.key, headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe.skipIf(!HAVE_OPENSSL)('organisation certificates', () => {
  let dir: string;
  let gw: SpawnedGateway;
  let url: string;
  let pki: ReturnType<typeof makePki>;
  let behindProxy: SpawnedGateway;
  let proxyUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-pki-'));
    pki = makePki(dir);
    gw = spawnGateway({
      GATEWAY_DATA_DIR: join(dir, 'data'),
      GATEWAY_ADMIN_TOKEN: ADMIN,
      TLS_CERT: join(dir, 'server.pem'),
      TLS_KEY: join(dir, 'server.key'),
      TLS_CLIENT_CA: join(dir, 'ca.pem'),
    });
    behindProxy = spawnGateway({
      GATEWAY_DATA_DIR: join(dir, 'data2'),
      GATEWAY_ADMIN_TOKEN: ADMIN,
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1',
    });
    [url, proxyUrl] = await Promise.all([gw.ready, behindProxy.ready]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([gw?.stop(), behindProxy?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  const admin = async (base: string, body: object, https = true) => {
    const init = {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    };
    if (!https)
      return (await fetch(`${base}/v1/admin/tokens`, init)).json() as Promise<{ token: string | null }>;
    const res = await get(`${base}/v1/admin/tokens`, { ca: pki.read('ca.pem'), ...init });
    expect(res.status).toBe(201);
    return JSON.parse(res.body) as { id: string; token: string | null };
  };

  it('serves HTTPS, and a certificate from the CA signs in as the principal bound to its subject or fingerprint', async () => {
    const bySubject = await admin(url, {
      role: 'recipient',
      subject: 'dst-system',
      recipient: 'dst',
      certificate: { subject: 'C=DK, O=Danmarks Statistik, CN=dst-intake' },
    });
    expect(bySubject.token).toBeNull();
    const fingerprint = new (await import('node:crypto')).X509Certificate(pki.read('audit.pem'))
      .fingerprint256;
    await admin(url, { role: 'auditor', subject: 'revisor', certificate: { fingerprint256: fingerprint } });

    const ca = pki.read('ca.pem');
    const asDst = await get(`${url}/v1/extracts`, {
      ca,
      cert: pki.read('dst.pem'),
      key: pki.read('dst.key'),
    });
    expect(asDst.status).toBe(200);
    const asAuditor = await get(`${url}/v1/audit/verify`, {
      ca,
      cert: pki.read('audit.pem'),
      key: pki.read('audit.key'),
    });
    expect(asAuditor.status).toBe(200);
    // The recipient's certificate is a recipient: no audit log.
    expect(
      (await get(`${url}/v1/audit/verify`, { ca, cert: pki.read('dst.pem'), key: pki.read('dst.key') }))
        .status,
    ).toBe(403);
  });

  it('a certificate the CA did not issue, with the same subject, is nobody', async () => {
    const ca = pki.read('ca.pem');
    const res = await get(`${url}/v1/extracts`, {
      ca,
      cert: pki.read('stranger.pem'),
      key: pki.read('stranger.key'),
    });
    expect(res.status).toBe(401);
    expect((await get(`${url}/v1/extracts`, { ca })).status).toBe(401);
  });

  it('a certificate header from a client that is no trusted proxy counts for nothing', async () => {
    const pem = encodeURIComponent(pki.read('dst.pem').toString());
    const res = await get(`${url}/v1/extracts`, {
      ca: pki.read('ca.pem'),
      headers: { 'x-client-cert': pem },
    });
    expect(res.status).toBe(401);
  });

  it('behind a trusted proxy, the certificate it forwards signs in; a failed verification does not', async () => {
    const made = await admin(
      proxyUrl,
      {
        role: 'recipient',
        subject: 'dst-system',
        recipient: 'dst',
        certificate: {
          subject: 'CN=dst-intake, O=Danmarks Statistik, C=DK'.split(', ').reverse().join(', '),
        },
      },
      false,
    );
    expect(made.token).toBeNull();
    const pem = encodeURIComponent(pki.read('dst.pem').toString());
    const ok = await fetch(`${proxyUrl}/v1/extracts`, {
      headers: { 'x-client-cert': pem, 'x-client-verify': 'SUCCESS' },
    });
    expect(ok.status).toBe(200);
    const unsaid = await fetch(`${proxyUrl}/v1/extracts`, { headers: { 'x-client-cert': pem } });
    expect(unsaid.status).toBe(401);
    const failed = await fetch(`${proxyUrl}/v1/extracts`, {
      headers: { 'x-client-cert': pem, 'x-client-verify': 'FAILED:unable to verify' },
    });
    expect(failed.status).toBe(401);
  });
});
