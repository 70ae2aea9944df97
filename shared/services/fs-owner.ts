/**
 * Whose file system a request is about (PaddleFlow's `getRealUserName`): the caller's own, unless root names
 * another user. A non-root caller naming someone else in a body is stopped earlier by the impersonation guard
 * (400 AuthIllegalUser); naming someone in the `username` query is ignored, as PaddleFlow ignores it.
 */
import type { UserRepository } from '../store/users.ts';
import { type Actor, isRoot } from './users.ts';

/**
 * The owner's name as stored (user names match case-insensitively), or the name as given when no such user
 * exists (`exists` false): the fs it names then does not exist either, and the caller says so in its own terms.
 */
export async function actingUser(
  users: UserRepository,
  actor: Actor,
  requested?: string,
): Promise<{ name: string; exists: boolean }> {
  if (!requested || !isRoot(actor.name)) return { name: actor.name, exists: true };
  if (requested.toLowerCase() === actor.name.toLowerCase()) return { name: actor.name, exists: true };
  const user = await users.get(requested);
  return { name: user?.name ?? requested, exists: user !== undefined };
}

/** The owner's name alone (see actingUser). */
export async function actingOwner(users: UserRepository, actor: Actor, requested?: string): Promise<string> {
  return (await actingUser(users, actor, requested)).name;
}
