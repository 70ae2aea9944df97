/**
 * The composition root's core, which every Lambda entry point shares: the table, the secrets, users and
 * markers, each built once per container (Powertools' "singletons outside the handler" pattern) from the
 * environment that CDK or the local runtime set. Services that only some resources need live in the sibling
 * modules, so that a bundle carries only its own resource's code (module-level schema calls are not
 * tree-shaken: the login function must not carry the YAML parser).
 */
import { MarkerCodec, pageEnvelope, parseMaxKeys } from '../http/paging.ts';
import { type Secrets, secretsFromEnv } from '../runtime/secrets.ts';
import { UserService } from '../services/users.ts';
import { type TableRef, tableFromEnv } from '../store/client.ts';
import type { Page } from '../store/paging.ts';
import { UserRepository } from '../store/users.ts';

let table: TableRef | undefined;
let secrets: Secrets | undefined;
let users: UserService | undefined;
let codec: Promise<MarkerCodec> | undefined;

export const getTable = () => (table ??= tableFromEnv());
export const getSecrets = () => (secrets ??= secretsFromEnv());

/** Token lifetime: `FLOE_TOKEN_TTL_HOURS`, unset or -1 for tokens that never expire (PaddleFlow's default). */
function tokenTtlSeconds(): number | undefined {
  const hours = Number(process.env.FLOE_TOKEN_TTL_HOURS ?? -1);
  return Number.isFinite(hours) && hours > 0 ? hours * 3600 : undefined;
}

export const userService = () =>
  (users ??= new UserService(new UserRepository(getTable()), getSecrets(), tokenTtlSeconds()));

export function markerCodec(): Promise<MarkerCodec> {
  codec ??= getSecrets()
    .signingKey()
    .then((key) => new MarkerCodec(key))
    .catch((error: unknown) => {
      codec = undefined; // a failed secret read is retried by the next request, not cached
      throw error;
    });
  return codec;
}

export const authenticate = (token: string) => userService().authenticate(token);

/**
 * A list request's paging, as every PaddleFlow list reads it: `maxKeys` checked first, then `marker` opened
 * for this list; `envelope` wraps the page that comes back, with the next marker sealed for the same list.
 */
export async function listPaging(list: string, query: { maxKeys?: string; marker?: string }) {
  return deferredListPaging(query).open(list);
}

/**
 * The same for a list named after the item it belongs to (a pipeline's versions, a schedule's runs): `maxKeys`
 * is checked now, before the item is read, and the marker only when `open` names the list, so that another
 * item's marker is refused. The order of the checks decides which error a bad request gets.
 */
export function deferredListPaging(query: { maxKeys?: string; marker?: string }) {
  const maxKeys = parseMaxKeys(query.maxKeys);
  return {
    async open(list: string) {
      const markers = await markerCodec();
      const cursor = markers.open(list, query.marker);
      return {
        request: { limit: maxKeys, cursor },
        envelope: <T, R>(page: Page<T>, listKey: string, view: (item: T) => R) =>
          pageEnvelope(page, { maxKeys, listKey, list, markers, view }),
      };
    },
  };
}
