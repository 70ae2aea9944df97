/**
 * PaddleFlow's marker paging (reference/paddleflow.md §0.4) on top of store cursors. A marker is the store
 * cursor plus the list it belongs to, signed with the server's key: a forged, altered or foreign marker (one
 * from another list) is 400 InvalidMarker before anything is read.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PfError } from '../errors.ts';
import type { Page } from '../store/paging.ts';

const DEFAULT_MAX_KEYS = 50;
const MAX_MAX_KEYS = 1000;

export function parseMaxKeys(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_MAX_KEYS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_MAX_KEYS) {
    throw new PfError(
      'InvalidURI',
      `maxKeys[${raw}] is invalid: it must be an integer from 1 to ${MAX_MAX_KEYS}`,
    );
  }
  return value;
}

export class MarkerCodec {
  constructor(private readonly key: Uint8Array) {}

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.key).update('floe-marker\0').update(payload).digest();
  }

  seal(list: string, cursor: string): string {
    const payload = Buffer.from(JSON.stringify({ l: list, c: cursor })).toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** The store cursor inside a marker of `list`; an absent marker means the first page. */
  open(list: string, marker: string | undefined): string | null {
    if (marker === undefined || marker === '') return null;
    const invalid = () => new PfError('InvalidMarker', `marker[${marker}] is invalid`);
    const [payload, signature, extra] = marker.split('.');
    if (!payload || !signature || extra !== undefined) throw invalid();
    const expected = this.sign(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { l?: unknown; c?: unknown };
    if (decoded.l !== list || typeof decoded.c !== 'string') throw invalid();
    return decoded.c;
  }
}

/** PaddleFlow's list envelope: `nextMarker` appears only when `isTruncated`. */
export function pageEnvelope<T, R>(
  page: Page<T>,
  options: { maxKeys: number; listKey: string; list: string; markers: MarkerCodec; view: (item: T) => R },
): Record<string, unknown> {
  const envelope: Record<string, unknown> = {
    maxKeys: options.maxKeys,
    isTruncated: page.cursor !== null,
  };
  if (page.cursor !== null) envelope.nextMarker = options.markers.seal(options.list, page.cursor);
  envelope[options.listKey] = page.items.map(options.view);
  return envelope;
}
