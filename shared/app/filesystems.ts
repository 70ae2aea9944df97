/** File systems and links, for the fs, link and pipeline resources (see core.ts). */
import { parseMaxKeys } from '../http/paging.ts';
import { openTimeMarker, type TimePage, timePageEnvelope } from '../http/time-marker.ts';
import { SecretCipher } from '../runtime/cipher.ts';
import { FileSystemService } from '../services/filesystems.ts';
import { LinkService } from '../services/links.ts';
import { FileSystemRepository } from '../store/filesystems.ts';
import { LinkRepository } from '../store/links.ts';
import { ScheduleRepository } from '../store/schedules.ts';
import { UserRepository } from '../store/users.ts';
import { getSecrets, getTable, markerCodec } from './core.ts';

let fileSystems: FileSystemService | undefined;
let links: LinkService | undefined;

/**
 * What both services are built on: the fs, link and user tables, and a cipher that seals fs and link secrets
 * under a key derived from the signing key (read, and cached, by the Secrets port).
 */
const serviceDeps = () =>
  [
    new FileSystemRepository(getTable()),
    new LinkRepository(getTable()),
    new UserRepository(getTable()),
    new SecretCipher(() => getSecrets().signingKey()),
  ] as const;

export const fileSystemService = () =>
  (fileSystems ??= new FileSystemService(...serviceDeps(), new ScheduleRepository(getTable())));

export const linkService = () => (links ??= new LinkService(...serviceDeps()));

/**
 * An fs or link list request's time-based paging (see time-marker.ts), read as core.ts `listPaging` reads
 * the others: `maxKeys` checked first, then `marker` opened for this list; `envelope` wraps the page that
 * comes back, with the next marker sealed at the last row's position for the same list.
 */
export async function timeListPaging(list: string, query: { maxKeys?: string; marker?: string }) {
  const limit = parseMaxKeys(query.maxKeys);
  const markers = await markerCodec();
  const marker = openTimeMarker(markers, list, query.marker);
  return {
    request: { below: marker.below, limit },
    envelope: <T, R>(
      page: TimePage<T>,
      listKey: string,
      view: (item: T) => R,
      position: (item: T) => string,
    ) => timePageEnvelope(page, { marker, listKey, list, markers, position, view }),
  };
}
