/**
 * IP addresses and CIDR blocks for the `cidr` filter. Only the two textual forms Ruler recognises count as
 * addresses: a dotted quad of decimal numbers (Java reads `010` as ten, not octal) and hex groups with at most one
 * `::`. Anything else (IPv4 embedded in IPv6, zone ids, brackets) is not an address, so it never falls in a block.
 */

export interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

export interface CidrBlock {
  readonly version: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
}

const IPV4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): bigint | undefined {
  const octets = IPV4.exec(text)?.slice(1).map(Number);
  if (!octets || octets.some((octet) => octet > 255)) return undefined;
  return octets.reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

function hexGroups(text: string): string[] | undefined {
  if (text === '') return [];
  const groups = text.split(':');
  return groups.every((group) => HEX_GROUP.test(group)) ? groups : undefined;
}

function parseIpv6(text: string): bigint | undefined {
  if (!IPV6.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = hexGroups(halves[0]!);
  const tail = halves.length === 2 ? hexGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { version: 6, value: v6 };
}

export const addressBits = (version: 4 | 6): number => (version === 4 ? 32 : 128);

/** The block of `address/bits`; host bits in the address are ignored, as Ruler does. */
export function cidrBlock(address: IpAddress, bits: number): CidrBlock {
  const hostBits = BigInt(addressBits(address.version) - bits);
  const hostMask = (1n << hostBits) - 1n;
  const first = (address.value >> hostBits) << hostBits;
  return { version: address.version, first, last: first | hostMask };
}

export const inCidrBlock = (block: CidrBlock, address: IpAddress): boolean =>
  address.version === block.version && address.value >= block.first && address.value <= block.last;
