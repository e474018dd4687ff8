// Where webhooks may go (SSRF): https only, and never to an address inside our own network:
// loopback, private (RFC 1918), link-local (169.254.169.254, the cloud metadata service,
// included), CGNAT, unique-local, multicast, unspecified. The rule is checked twice: when an
// endpoint is saved (so a client learns at once) and on the address actually connected to at
// every delivery (a name may resolve elsewhere by then: DNS rebinding). Redirects are never
// followed. WEBHOOK_ALLOW_PRIVATE_URLS=true (development, tests) allows http and local addresses.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const forbidden = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, metadata services
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 one carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Is this IP address one webhooks must never reach? */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbidden.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    return v4 !== undefined ? forbidden.check(v4, 'ipv4') : forbidden.check(address, 'ipv6');
  }
  return true; // not an address at all
}

/** The host of a URL without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Why `raw` may not be a webhook URL (a sentence for the 422), or null when it may. Resolves the name. */
export async function webhookUrlProblem(raw: string, allowPrivate: boolean): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'must be an https URL';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (allowPrivate) return null;
  const host = hostOf(url);
  if (isIP(host)) return isForbiddenAddress(host) ? `must not point at a loopback, private, link-local, CGNAT or unique-local address (${host})` : null;
  let addresses: LookupAddress[];
  try {
    addresses = await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (err, list) => (err ? reject(err) : resolve(list))));
  } catch {
    return `names a host that does not resolve (${host})`;
  }
  const bad = addresses.find((a) => isForbiddenAddress(a.address));
  return bad ? `resolves to a loopback, private, link-local, CGNAT or unique-local address (${host} is ${bad.address})` : null;
}

export class ForbiddenAddressError extends Error {
  readonly code = 'EFORBIDDENADDRESS';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that refuses forbidden addresses: the check happens on the very
 * address the socket connects to, after resolution.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      const usable = allowPrivate ? list : list.filter((a) => !isForbiddenAddress(a.address));
      if (usable.length === 0) {
        return callback(new ForbiddenAddressError(`${hostname} resolves to a forbidden address (${list.map((a) => a.address).join(', ')})`), '');
      }
      if (options.all) return callback(null, usable);
      return callback(null, usable[0].address, usable[0].family);
    });
  };
}

/** For a URL whose host is an IP literal (no lookup happens): may we connect to it? */
export function literalHostForbidden(url: URL, allowPrivate: boolean): boolean {
  const host = hostOf(url);
  return !allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host);
}
