/**
 * A delivery receipt checked with nothing but the JWKS: its signature (EdDSA, a key the JWKS
 * names by its kid), its type (`delivery-receipt+jwt`, so the audit key's signatures are not
 * taken for receipts), and its payload's shape. For `gateway receipt verify` and the sync.
 */
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { RECEIPT_TYPE, type ReceiptPayload } from '../receipts/signer';
import { reach } from './reach';

export type ReceiptVerdict =
  | { valid: true; kid: string; payload: ReceiptPayload }
  | { valid: false; reason: string };

/** The fields a reader of a receipt relies on, with their types. */
function isReceiptPayload(p: object): p is ReceiptPayload {
  const r = p as Partial<Record<keyof ReceiptPayload, unknown>>;
  return (
    typeof r.deliveryId === 'string' &&
    typeof r.sha256 === 'string' &&
    typeof r.status === 'string' &&
    (r.extracts === undefined ||
      (Array.isArray(r.extracts) &&
        r.extracts.every(
          (x: unknown) =>
            typeof x === 'object' &&
            x !== null &&
            typeof (x as { id?: unknown }).id === 'string' &&
            typeof (x as { sha256?: unknown }).sha256 === 'string',
        )))
  );
}

export async function verifyReceipt(jws: string, jwks: { keys: unknown[] }): Promise<ReceiptVerdict> {
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(jws.trim())) return { valid: false, reason: 'not a compact JWS' };
  try {
    const { payload, protectedHeader } = await jwtVerify(
      jws.trim(),
      createLocalJWKSet(jwks as JSONWebKeySet),
      {
        algorithms: ['EdDSA'],
        typ: RECEIPT_TYPE,
      },
    );
    if (!isReceiptPayload(payload)) return { valid: false, reason: 'the payload is not a delivery receipt' };
    return { valid: true, kid: String(protectedHeader.kid ?? ''), payload };
  } catch (e) {
    return { valid: false, reason: (e as Error).message };
  }
}

/** A JWKS from a URL (http/https) or a file. */
export async function loadJwks(where: string): Promise<{ keys: unknown[] }> {
  const text = /^https?:\/\//.test(where)
    ? await (async () => {
        const res = await reach(where);
        if (!res.ok) throw new Error(`${where} answered ${res.status}`);
        return res.text();
      })()
    : await (await import('node:fs/promises')).readFile(where, 'utf8');
  const jwks = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(jwks.keys)) throw new Error(`${where} is not a JWKS (no "keys" list)`);
  return { keys: jwks.keys };
}

/** The receipt in a file: a compact JWS, or a JSON document with a `receipt` (a delivery, a sync's metadata). */
export function receiptIn(text: string): string {
  const t = text.trim();
  if (!t.startsWith('{')) return t;
  const doc = JSON.parse(t) as { receipt?: unknown; extract?: { receipt?: unknown } };
  const r = typeof doc.receipt === 'string' ? doc.receipt : doc.extract?.receipt;
  if (typeof r !== 'string') throw new Error('the JSON holds no "receipt"');
  return r;
}
