/** File systems and links, for the fs, link and pipeline resources (see core.ts). */
import { SecretCipher } from '../runtime/cipher.ts';
import { FileSystemService } from '../services/filesystems.ts';
import { LinkService } from '../services/links.ts';
import { FileSystemRepository } from '../store/filesystems.ts';
import { LinkRepository } from '../store/links.ts';
import { UserRepository } from '../store/users.ts';
import { getSecrets, getTable } from './core.ts';

let fileSystems: FileSystemService | undefined;
let links: LinkService | undefined;

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
