/**
 * Links: other storage mounted at a path inside a file system (reference/paddleflow.md §1.6, §7.5).
 * PaddleFlow also checks, through a client of the fs storage, that the link path's parent is a directory
 * and the path itself empty or absent, and it connects to the linked storage (400 ConnectivityFailed).
 * Floe can do neither: only a local fs could be looked into from here, and a local fs cannot have links.
 */
import { PfError } from '../errors.ts';
import type { SecretCipher } from '../runtime/cipher.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import { type FileSystemRecord, type FileSystemRepository, fileSystemId } from '../store/filesystems.ts';
import { type LinkRecord, type LinkRepository, linkPosition } from '../store/links.ts';
import type { UserRepository } from '../store/users.ts';
import { existingFileSystem } from './filesystems.ts';
import { actingOwner } from './fs-owner.ts';
import { sealSecrets } from './fs-secrets.ts';
import { LINK_SCHEMES } from './fs-url.ts';
import { describeLink, normaliseFsPath, pathsNest } from './fs-validation.ts';
import type { Actor } from './users.ts';

export interface LinkInput {
  fsName: string;
  fsPath: string;
  url: string;
  properties?: Record<string, string>;
  username?: string;
}

export interface LinkListQuery {
  username?: string;
  /** Just this link (or 400 LinkNotExist); paging is then moot. */
  fsPath?: string;
  below?: string;
  limit: number;
}

/** All links of one fs live in one item (see store/links.ts); this keeps it far below 400 KB. */
export const MAX_LINKS_PER_FS = 100;
const MAX_LINKS_BYTES = 300 * 1024;
/** Writers of one fs's links that lose a race re-read and re-check, this many times in all. */
const ATTEMPTS = 5;

export class LinkService {
  constructor(
    private readonly fileSystems: FileSystemRepository,
    private readonly links: LinkRepository,
    private readonly users: UserRepository,
    private readonly cipher: SecretCipher,
  ) {}

  async create(actor: Actor, input: LinkInput): Promise<LinkRecord> {
    const storage = describeLink(input.url, input.properties ?? {});
    const fsPath = normaliseFsPath(input.fsPath);
    const owner = await actingOwner(this.users, actor, input.username);
    const fs = await this.fileSystems.get(fileSystemId(owner, input.fsName));
    if (!fs) {
      throw new PfError(
        'LinkFileSystemNotExist',
        `Field[fsName] is invalid, user[${owner}] fsName[${input.fsName}] is not exist`,
      );
    }
    // A local fs cannot link other storage (other file systems may link a local directory, for debugging).
    if (fs.type === 'local' || !(LINK_SCHEMES as readonly string[]).includes(fs.type)) {
      throw new PfError(
        'InvalidFileSystemFsName',
        `Field[fsName] is invalid, fs name[${fs.name}] type[${fs.type}] can not support link feature`,
      );
    }
    const link: LinkRecord = {
      fsPath,
      type: storage.type,
      serverAddress: storage.serverAddress,
      subPath: storage.subPath,
      properties: await sealSecrets(this.cipher, storage.properties),
      username: fs.username,
      createdAt: new Date().toISOString(),
    };
    await this.change(fs, (links) => {
      const clash = links.find((other) => pathsNest(fsPath, other.fsPath));
      if (clash) {
        throw new PfError(
          'LinkPathExist',
          `Can not use fsPath[${fsPath}], fsPath used or conflict by other link path[${clash.fsPath}]`,
        );
      }
      const next = [...links, link];
      if (next.length > MAX_LINKS_PER_FS || Buffer.byteLength(JSON.stringify(next)) > MAX_LINKS_BYTES) {
        throw new PfError('InvalidArguments', `fs[${fs.name}] has as many links as it can hold`);
      }
      return next;
    });
    return link;
  }

  async delete(
    actor: Actor,
    fsName: string,
    rawFsPath: string | undefined,
    username?: string,
  ): Promise<void> {
    const fsPath = normaliseFsPath(rawFsPath);
    const owner = await actingOwner(this.users, actor, username);
    const missing = () =>
      new PfError(
        'LinkNotExist',
        `Field[fsPath] is invalid, user[${owner}] fsname[${fsName}] not created fspath[${fsPath}]`,
      );
    const fs = await this.fileSystems.get(fileSystemId(owner, fsName));
    if (!fs) throw missing();
    await this.change(fs, (links) => {
      if (!links.some((link) => link.fsPath === fsPath)) throw missing();
      return links.filter((link) => link.fsPath !== fsPath);
    });
  }

  /** Newest first, as the fs list; with `fsPath`, just that link. */
  async list(actor: Actor, fsName: string, query: LinkListQuery) {
    const owner = await actingOwner(this.users, actor, query.username);
    const fs = await existingFileSystem(this.fileSystems, owner, fsName);
    const { links } = await this.links.get(fs.id, fs.incarnation);
    if (query.fsPath) {
      const fsPath = normaliseFsPath(query.fsPath);
      const link = links.find((l) => l.fsPath === fsPath);
      if (!link)
        throw new PfError('LinkNotExist', `Link not exist: fs[${fsName}] has no link at fsPath[${fsPath}]`);
      return { fs, items: [link], truncated: false };
    }
    const rows = links
      .filter((link) => query.below === undefined || linkPosition(link) < query.below)
      .sort((a, b) => (linkPosition(a) < linkPosition(b) ? 1 : -1));
    return { fs, items: rows.slice(0, query.limit), truncated: rows.length > query.limit };
  }

  /**
   * Reads the fs's links, lets `decide` compute the new list from them (or throw), and writes it back in one
   * conditional put; a concurrent change makes it read and decide again, so every rule is checked against
   * what is actually stored.
   */
  private async change(fs: FileSystemRecord, decide: (links: LinkRecord[]) => LinkRecord[]) {
    for (let attempt = 1; ; attempt++) {
      const set = await this.links.get(fs.id, fs.incarnation);
      try {
        await this.links.save(set, decide(set.links));
        return;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        if (attempt >= ATTEMPTS) {
          throw new PfError(
            'InvalidState',
            `links of fs[${fs.name}] are being changed by another request; try again`,
          );
        }
      }
    }
  }
}
