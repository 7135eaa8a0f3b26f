/**
 * Standard Webhooks (https://www.standardwebhooks.com): the secret's form and the signature
 * over `{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256, written once for the sender and
 * for anyone who checks. WebCrypto only: the same code runs on Node and on Workers.
 */

const PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes, base64. */
export function newWebhookSecret(): string {
  return PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
}

/** The signature header's value: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the secret's bytes. */
export async function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  if (!secret.startsWith(PREFIX)) throw new Error('a webhook secret begins whsec_');
  const key = await crypto.subtle.importKey(
    'raw',
    Buffer.from(secret.slice(PREFIX.length), 'base64'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${Buffer.from(mac).toString('base64')}`;
}
