/**
 * The composition root every Lambda entry point shares: builds each service once per container (Powertools'
 * "singletons outside the handler" pattern), from the environment that CDK or the local runtime set.
 */
import { MarkerCodec } from './http/paging.ts';
import { SecretCipher } from './runtime/cipher.ts';
import { type Secrets, secretsFromEnv } from './runtime/secrets.ts';
import { FileSystemService } from './services/filesystems.ts';
import { LinkService } from './services/links.ts';
import { PipelineService } from './services/pipelines.ts';
import { UserService } from './services/users.ts';
import { type TableRef, tableFromEnv } from './store/client.ts';
import { FileSystemRepository } from './store/filesystems.ts';
import { LinkRepository } from './store/links.ts';
import { PipelineRepository } from './store/pipelines.ts';
import { UserRepository } from './store/users.ts';

let table: TableRef | undefined;
let secrets: Secrets | undefined;
let users: UserService | undefined;
let markers: Promise<MarkerCodec> | undefined;
let pipelines: PipelineService | undefined;
let fileSystems: FileSystemService | undefined;
let links: LinkService | undefined;

const getTable = () => (table ??= tableFromEnv());
const getSecrets = () => (secrets ??= secretsFromEnv());

/** Token lifetime: `FLOE_TOKEN_TTL_HOURS`, unset or -1 for tokens that never expire (PaddleFlow's default). */
function tokenTtlSeconds(): number | undefined {
  const hours = Number(process.env.FLOE_TOKEN_TTL_HOURS ?? -1);
  return Number.isFinite(hours) && hours > 0 ? hours * 3600 : undefined;
}

export const userService = () =>
  (users ??= new UserService(new UserRepository(getTable()), getSecrets(), tokenTtlSeconds()));

/** Seals fs and link secrets under a key derived from the signing key (read, and cached, by the Secrets port). */
const secretCipher = () => new SecretCipher(() => getSecrets().signingKey());

export const fileSystemService = () =>
  (fileSystems ??= new FileSystemService(
    new FileSystemRepository(getTable()),
    new LinkRepository(getTable()),
    new UserRepository(getTable()),
    secretCipher(),
  ));

export const linkService = () =>
  (links ??= new LinkService(
    new FileSystemRepository(getTable()),
    new LinkRepository(getTable()),
    new UserRepository(getTable()),
    secretCipher(),
  ));

export const pipelineService = () =>
  (pipelines ??= new PipelineService(new PipelineRepository(getTable()), fileSystemService()));

export function markerCodec(): Promise<MarkerCodec> {
  markers ??= getSecrets()
    .signingKey()
    .then((key) => new MarkerCodec(key))
    .catch((error: unknown) => {
      markers = undefined; // a failed secret read is retried by the next request, not cached
      throw error;
    });
  return markers;
}

export const authenticate = (token: string) => userService().authenticate(token);
