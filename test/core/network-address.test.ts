import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../../src/core/network-address';
import { refusedWebhookUrl } from '../../src/pipeline/webhooks';

describe('addresses a webhook may not reach', () => {
  it('knows the private, loopback, link-local and reserved ranges, v4 and v6', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '[::1]',
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2a00:1450:4001::1'])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses URLs that would reach them, however the host is written', () => {
    for (const url of [
      'https://127.1/h',
      'https://2130706433/h',
      'https://0x7f000001/h',
      'https://[::ffff:127.0.0.1]/h',
      'https://LOCALHOST./h',
      'https://a.localhost/h',
      'ftp://example.org/h',
      'http://example.org/h',
    ])
      expect(refusedWebhookUrl(url, []), url).not.toBeNull();
    expect(refusedWebhookUrl('https://hooks.example.org/in?x=1', [])).toBeNull();
    // An allowed host may be private and plain HTTP (a receiver inside the operator's network).
    expect(refusedWebhookUrl('http://127.0.0.1:8080/in', ['127.0.0.1'])).toBeNull();
    expect(refusedWebhookUrl('http://10.0.0.5/in', ['127.0.0.1'])).not.toBeNull();
  });
});
