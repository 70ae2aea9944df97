/** A fresh embedded DynamoDB with Floe's table, for tests below HTTP (stores and services). */
import { type LocalDynamo, startLocalDynamo } from '../../infra/local/dynamo.ts';
import { SecretCipher } from '../../shared/runtime/cipher.ts';
import { documentClient, dynamoDbClient, type TableRef } from '../../shared/store/client.ts';
import { UserRepository } from '../../shared/store/users.ts';
import { newDataDir } from './floe-process.ts';

export async function startTestTable(): Promise<{ dynamo: LocalDynamo; ref: TableRef }> {
  const dynamo = await startLocalDynamo(newDataDir(), 'floe');
  return { dynamo, ref: { client: documentClient(dynamoDbClient(dynamo.endpoint)), table: 'floe' } };
}

/** The services' cipher, on a fixed signing key. */
export const testCipher = () =>
  new SecretCipher(async () => new TextEncoder().encode('test signing key, 32 bytes long.'));

/** The user repository of `ref`, with users `names` created in it. */
export async function withUsers(ref: TableRef, names: string[]): Promise<UserRepository> {
  const users = new UserRepository(ref);
  for (const name of names)
    await users.create({ name, passwordHash: 'x', createdAt: new Date().toISOString() });
  return users;
}
