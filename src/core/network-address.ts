/**
 * Addresses a client-given URL must not reach (a webhook's): loopback, private, link-local,
 * carrier-grade NAT, multicast, reserved and unspecified ranges, IPv4 and IPv6 alike, so a
 * subscription cannot make the gateway call into its own network.
 */
export function isPrivateAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (v4) {
    const [p, q] = [Number(v4[1]), Number(v4[2])];
    return (
      p === 0 ||
      p === 10 ||
      p === 127 ||
      (p === 100 && q >= 64 && q <= 127) ||
      (p === 169 && q === 254) ||
      (p === 172 && q >= 16 && q <= 31) ||
      (p === 192 && q === 168) ||
      (p === 192 && q === 0) ||
      (p === 198 && (q === 18 || q === 19)) ||
      p >= 224
    );
  }
  if (!a.includes(':')) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return isPrivateAddress(mapped[1] as string);
  return (
    a === '::' ||
    a === '::1' ||
    /^f[cd]/.test(a) ||
    /^fe[89ab]/.test(a) ||
    /^ff/.test(a) ||
    a.startsWith('::ffff:') ||
    a.startsWith('64:ff9b:') ||
    a.startsWith('2001:db8')
  );
}

/** Whether text is an IP address literal (v4 dotted, or v6 in brackets or not). */
export function isIpLiteral(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');
}
