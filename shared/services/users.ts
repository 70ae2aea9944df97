/**
 * Users and login (reference/paddleflow.md §0.2, §1.1). The checks run in PaddleFlow's order: the request's
 * own validity first, then who may do it, then the state of the store.
 */
import { PfError } from '../errors.ts';
import type { Secrets } from '../runtime/secrets.ts';
import { ConditionFailedError } from '../store/conditions.ts';
import type { Page, PageRequest } from '../store/paging.ts';
import type { UserRecord, UserRepository } from '../store/users.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { credentialFingerprint, issueToken, readToken } from './tokens.ts';

export const ROOT_USER = 'root';

/** PaddleFlow's handlers test root case-insensitively (`strings.EqualFold`). */
export const isRoot = (name: string) => name.toLowerCase() === ROOT_USER;

const NAME_PATTERN = /^[A-Za-z0-9]{4,16}$/;
const PASSWORD_MAX_LENGTH = 256;

export interface Actor {
  name: string;
}

/**
 * Whose items a list shows: root sees everyone's (or those of `requested`, PaddleFlow's `userFilter`); anyone
 * else their own, and may not filter by user (403).
 */
export function listedOwners(actor: Actor, requested: string[]): string[] {
  if (isRoot(actor.name)) return requested;
  if (requested.length > 0) throw new PfError('AccessDenied', 'only root user can set userFilter!');
  return [actor.name];
}

/**
 * Whose items a list shows where PaddleFlow forces `userFilter` to the caller rather than refusing it (runs, run
 * caches, artifact events): root sees everyone's (or those of `requested`); anyone else their own.
 */
export const visibleOwners = (actor: Actor, requested: string[]): string[] =>
  isRoot(actor.name) ? requested : [actor.name];

/** Root may reach any resource; anyone else only their own (user names match case-insensitively). */
export function assertAccess(actor: Actor, owner: string, resource: string, id: string): void {
  if (!isRoot(actor.name) && actor.name.toLowerCase() !== owner.toLowerCase()) {
    throw new PfError(
      'AccessDenied',
      `user[${actor.name}] has no access to resource[${resource}] with ID[${id}]`,
    );
  }
}

export function validateUserName(name: string) {
  if (!NAME_PATTERN.test(name)) {
    throw new PfError('InvalidNamePattern', `username[${name}] must be 4 to 16 letters or digits`);
  }
}

export function validatePassword(password: string) {
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new PfError('InvalidArguments', `password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  if (password.length < 6 || !/[0-9]/.test(password) || !/[a-z]/.test(password)) {
    throw new PfError(
      'UserPasswordWeak',
      'password must be at least 6 characters with at least one digit and one lowercase letter',
    );
  }
}

export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly secrets: Secrets,
    private readonly tokenTtlSeconds?: number,
  ) {}

  async login(username: string, password: string): Promise<string> {
    const user = (await this.users.get(username)) ?? (isRoot(username) ? await this.seedRoot() : undefined);
    if (!user) throw new PfError('UserNotExist');
    if (!(await verifyPassword(password, user.passwordHash))) throw new PfError('AuthFailed');
    const key = await this.secrets.signingKey();
    return issueToken(
      { username: user.name, credential: credentialFingerprint(user.passwordHash) },
      key,
      this.tokenTtlSeconds,
    );
  }

  /** The user a token speaks for, if the token is genuine and that user's password has not changed since. */
  async authenticate(token: string): Promise<Actor> {
    const claims = await readToken(token, await this.secrets.signingKey());
    if (!claims) throw new PfError('AuthInvalidToken');
    const user = await this.users.get(claims.username);
    if (!user || credentialFingerprint(user.passwordHash) !== claims.credential) {
      throw new PfError('AuthInvalidToken');
    }
    return { name: user.name };
  }

  async create(actor: Actor, username: string, password: string): Promise<UserRecord> {
    validateUserName(username);
    validatePassword(password);
    if (!isRoot(actor.name)) throw new PfError('OnlyRootAllowed', 'only root can create users');
    const record = {
      name: username,
      passwordHash: await hashPassword(password),
      createdAt: new Date().toISOString(),
    };
    try {
      return await this.users.create(record);
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        throw new PfError('UserNameDuplicated', `user[${username}] already exists`);
      }
      throw error;
    }
  }

  async get(actor: Actor, username: string): Promise<UserRecord> {
    if (!isRoot(actor.name)) throw new PfError('AccessDenied', 'only root can read other users');
    return this.existing(username);
  }

  async list(actor: Actor, page: PageRequest): Promise<Page<UserRecord>> {
    if (!isRoot(actor.name)) throw new PfError('OnlyRootAllowed', 'only root can list users');
    return this.users.list(page);
  }

  async changePassword(actor: Actor, username: string, password: string): Promise<void> {
    validatePassword(password);
    if (!isRoot(actor.name) && actor.name.toLowerCase() !== username.toLowerCase()) {
      throw new PfError(
        'AccessDenied',
        `user[${actor.name}] cannot change the password of user[${username}]`,
      );
    }
    const user = await this.existing(username);
    const passwordHash = await hashPassword(password);
    await this.orUserChanged(username, () => this.users.setPasswordHash(user, passwordHash));
  }

  async delete(actor: Actor, username: string): Promise<void> {
    if (!isRoot(actor.name)) throw new PfError('AccessDenied', 'only root can delete users');
    if (isRoot(username)) throw new PfError('AccessDenied', 'root cannot be deleted');
    const user = await this.existing(username);
    await this.orUserChanged(username, () => this.users.delete(user));
  }

  private async existing(username: string): Promise<UserRecord> {
    const user = await this.users.get(username);
    if (!user) throw new PfError('UserNotExist', `user[${username}] does not exist`);
    return user;
  }

  /** A write that lost a race with another write to the same user changes nothing and says so. */
  private async orUserChanged(username: string, write: () => Promise<unknown>) {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      if (!(await this.users.get(username)))
        throw new PfError('UserNotExist', `user[${username}] does not exist`);
      throw new PfError('InvalidState', `user[${username}] was changed by another request; try again`);
    }
  }

  /** Root exists from the first login on, with the configured password (Secrets Manager in AWS). */
  private async seedRoot(): Promise<UserRecord | undefined> {
    const passwordHash = await hashPassword(await this.secrets.rootPassword());
    try {
      return await this.users.create({ name: ROOT_USER, passwordHash, createdAt: new Date().toISOString() });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return this.users.get(ROOT_USER); // another request seeded it first
    }
  }
}
