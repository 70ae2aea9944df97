/**
 * File systems (reference/paddleflow.md §1.5, §7.5). The checks run in PaddleFlow's order: the request's own
 * validity, then the store. PaddleFlow also opens a connection to every non-local, non-mock storage at
 * create time (400 ConnectivityFailed when it cannot); Floe has no storage clients and may run with no
 * network, so it skips that check, and a wrong address or credential shows when a step uses the fs.
 */
import { randomUUID } from 'node:crypto';
import { PfError } from '../errors.ts';
import type { SecretCipher } from '../runtime/cipher.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import { type FileSystemRecord, type FileSystemRepository, fileSystemId } from '../store/filesystems.ts';
import type { LinkRepository } from '../store/links.ts';
import type { UserRepository } from '../store/users.ts';
import { actingOwner, actingUser } from './fs-owner.ts';
import { readLocalFile } from './fs-read.ts';
import { sealSecrets } from './fs-secrets.ts';
import { describeFileSystem, type StorageDescription, validateFsName } from './fs-validation.ts';
import { type Actor, isRoot } from './users.ts';

export interface FileSystemInput {
  name: string;
  url: string;
  properties?: Record<string, string>;
  /** Whose fs: the caller's when empty; only root may name another user. */
  username?: string;
  independentMountProcess?: boolean;
}

export interface FileSystemListQuery {
  /** Root only: one user's file systems. Ignored for other callers, who see their own. */
  username?: string;
  fsName?: string;
  /** Only file systems whose list position is strictly below this. */
  below?: string;
  limit: number;
}

/** The running schedules whose pipelines name an fs (of its owner), which hold it from deletion. */
export interface SchedulesNamingFs {
  runningNamingFs(owner: string, fsName: string): Promise<{ id: string }[]>;
}

export class FileSystemService {
  constructor(
    private readonly fileSystems: FileSystemRepository,
    private readonly links: LinkRepository,
    private readonly users: UserRepository,
    private readonly cipher: SecretCipher,
    private readonly schedules?: SchedulesNamingFs,
  ) {}

  async create(actor: Actor, input: FileSystemInput): Promise<FileSystemRecord> {
    const { name: owner, exists } = await actingUser(this.users, actor, input.username);
    const storage = await this.validate(owner, input);
    if (!exists) throw new PfError('UserNotExist', `user[${owner}] does not exist`);
    const id = fileSystemId(owner, input.name);
    const now = new Date().toISOString();
    try {
      return await this.fileSystems.create({
        id,
        name: input.name,
        username: owner,
        ...storage,
        independentMountProcess: input.independentMountProcess ?? false,
        createdAt: now,
        updatedAt: now,
        incarnation: randomUUID(),
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      throw new PfError('DuplicatedName', `fs[${input.name}] of user[${owner}] already exists (fsID[${id}])`);
    }
  }

  /** PUT /fs: the fs `(username, name)` takes the new URL, properties and mount mode; id, creation and links stay. */
  async update(actor: Actor, input: FileSystemInput): Promise<FileSystemRecord> {
    const owner = await actingOwner(this.users, actor, input.username);
    const storage = await this.validate(owner, input);
    const fs = await this.existing(owner, input.name);
    try {
      return await this.fileSystems.update(fs, {
        ...storage,
        independentMountProcess: input.independentMountProcess ?? false,
        updatedAt: new Date().toISOString(),
      });
    } catch (error) {
      return this.lostRace(error, owner, input.name);
    }
  }

  async get(actor: Actor, fsName: string, username?: string): Promise<FileSystemRecord> {
    return this.existing(await actingOwner(this.users, actor, username), fsName);
  }

  async list(actor: Actor, query: FileSystemListQuery) {
    const owner = await actingOwner(this.users, actor, query.username);
    return this.fileSystems.list({
      // Root's own name means everyone's, as in PaddleFlow.
      username: isRoot(owner) ? undefined : owner,
      name: query.fsName || undefined,
      below: query.below,
      limit: query.limit,
    });
  }

  /**
   * Deletes the fs, then its links. The fs item's conditional delete is the visible change; removing the
   * links after it is best effort, and harmless to miss: they are kept under the fs incarnation, which no
   * later fs of the same name shares.
   * An fs named by a running schedule's pipeline is refused (403 ActionNotAllowed), as PaddleFlow does: its
   * next run would fail.
   */
  async delete(actor: Actor, fsName: string, username?: string): Promise<void> {
    const owner = await actingOwner(this.users, actor, username);
    const fs = await this.existing(owner, fsName);
    const scheduled = (await this.schedules?.runningNamingFs(owner, fsName)) ?? [];
    if (scheduled.length > 0) {
      throw new PfError(
        'ActionNotAllowed',
        `fs[${fsName}] is used by running schedules [${scheduled.map((s) => s.id).join(',')}]; stop them first`,
      );
    }
    try {
      await this.fileSystems.delete(fs);
    } catch (error) {
      await this.lostRace(error, owner, fsName);
    }
    await this.links.deleteAll(fs.id, fs.incarnation).catch(() => undefined);
  }

  /**
   * The fs a run or pipeline of `actor` names (PaddleFlow's `CheckFsAndGetID`): `fs-<username ?? actor>-<fsName>`,
   * which must exist and which only its owner and root may use. Grants play no part, as in PaddleFlow.
   */
  async resolveForUse(actor: Actor, fsName: string, username?: string): Promise<FileSystemRecord> {
    const owner = username || actor.name;
    const id = fileSystemId(owner, fsName);
    const fs = await this.fileSystems.get(id);
    if (!fs) {
      throw new PfError(
        'InvalidArguments',
        `check permission of user[${actor.name}] fsID[${id}] failed: fs[${fsName}] of user[${owner}] does not exist`,
      );
    }
    if (!isRoot(actor.name) && fs.username.toLowerCase() !== actor.name.toLowerCase()) {
      throw new PfError(
        'AccessDenied',
        `user[${actor.name}] has no permission to fsName[${fsName}] with fsUser[${fs.username}]`,
      );
    }
    return fs;
  }

  /** A file of a local fs, by its path inside the fs (`./run.yaml`); 400 ReadYamlFileFailed when it cannot be read. */
  readFile(fs: FileSystemRecord, path: string): Promise<string> {
    return readLocalFile(fs, path);
  }

  private async validate(owner: string, input: FileSystemInput): Promise<StorageDescription> {
    validateFsName(owner, input.name);
    const storage = describeFileSystem(input.url, input.properties ?? {});
    return { ...storage, properties: await sealSecrets(this.cipher, storage.properties) };
  }

  /**
   * A versioned write failed: rethrow anything but a lost race; for a lost race, 404 when the fs is gone now,
   * else 400 InvalidState (it changed under the request, which may try again).
   */
  private async lostRace(error: unknown, owner: string, fsName: string): Promise<never> {
    if (!(error instanceof ConditionFailedError)) throw error;
    const fs = await this.existing(owner, fsName);
    throw new PfError('InvalidState', `fs[${fs.id}] was changed by another request; try again`);
  }

  private existing(owner: string, fsName: string): Promise<FileSystemRecord> {
    return existingFileSystem(this.fileSystems, owner, fsName);
  }
}

/** The fs `(owner, fsName)`, or 404 RecordNotFound. */
export async function existingFileSystem(
  fileSystems: FileSystemRepository,
  owner: string,
  fsName: string,
): Promise<FileSystemRecord> {
  const fs = await fileSystems.get(fileSystemId(owner, fsName));
  if (!fs) throw new PfError('RecordNotFound', `username[${owner}] not create fsName[${fsName}]`);
  return fs;
}
