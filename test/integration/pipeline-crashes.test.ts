/**
 * Crash safety of the pipeline store on dynalite: a request that dies between its writes must leave nothing
 * the API can see. A crash is simulated by a client that fails one chosen command and every one after it,
 * as a process that died there would; the table is then read with a healthy client.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { liveVersions, PipelineRepository, type VersionContent } from '../../shared/store/pipelines.ts';
import { startTestTable } from '../support/table.ts';

let dynamo: LocalDynamo;
let ref: TableRef;
let store: PipelineRepository;

beforeAll(async () => {
  ({ dynamo, ref } = await startTestTable());
  store = new PipelineRepository(ref);
});
afterAll(async () => {
  await dynamo.close();
});

class Crash extends Error {}

type Command = { constructor: { name: string }; input: Record<string, unknown> };

/** A store whose process dies at the first command `fatal` picks. */
function crashingStore(fatal: (command: Command) => boolean): PipelineRepository {
  let dead = false;
  const client = new Proxy(ref.client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: Command) => {
        dead ||= fatal(command);
        if (dead) return Promise.reject(new Crash(command.constructor.name));
        return target.send(command as never);
      };
    },
  }) as DynamoDBDocumentClient;
  return new PipelineRepository({ client, table: ref.table });
}

/** A write to a pipeline's head item (keyed by owner and name). */
const isHeadWrite = (command: Command) => {
  const key = (command.input.Item ?? command.input.Key) as Record<string, unknown> | undefined;
  return String(key?.pk ?? '').startsWith('PPLNAME#');
};
const named = (name: string) => (command: Command) => command.constructor.name === name;

const content = (yaml: string): VersionContent => ({
  fsName: '',
  yamlPath: '',
  yaml,
  owner: 'alice',
  createdAt: new Date().toISOString(),
});
const newPipeline = (name: string) => ({
  name,
  owner: 'alice',
  desc: '',
  createdAt: new Date().toISOString(),
});

describe('a crash', () => {
  it('before the head is put leaves no pipeline, and the name free', async () => {
    const dying = crashingStore(
      (command) => command.constructor.name === 'PutCommand' && isHeadWrite(command),
    );
    await expect(dying.create(newPipeline('crash_create'), content('v1'))).rejects.toBeInstanceOf(Crash);
    expect(await store.findByName('alice', 'crash_create')).toBeUndefined();
    const created = await store.create(newPipeline('crash_create'), content('v1 again'));
    const burned = `ppl-${String(Number(created.id.slice(4)) - 1).padStart(6, '0')}`;
    expect(await store.get(burned)).toBeUndefined();
    expect((await store.versionItems.get(created.id, 1))?.yaml).toBe('v1 again');
  });

  it('after the head is deleted leaves no pipeline, even when the name is taken again', async () => {
    const pipeline = await store.create(newPipeline('crash_delete'), content('old'));
    const dying = crashingStore(named('QueryCommand')); // the purge never runs
    await dying.delete(pipeline); // committed: a cleanup that fails does not fail the deletion
    expect(await store.get(pipeline.id)).toBeUndefined();
    // The old identity item and version are still stored, and lead nowhere.
    expect(await store.versionItems.get(pipeline.id, 1)).toBeDefined();
    const again = await store.create(newPipeline('crash_delete'), content('new'));
    expect(await store.get(pipeline.id)).toBeUndefined();
    expect((await store.get(again.id))?.id).toBe(again.id);
  });

  it('before a new version is committed burns its number and shows nothing', async () => {
    const pipeline = await store.create(newPipeline('crash_update'), content('v1'));
    let updates = 0;
    const dying = crashingStore((command) => command.constructor.name === 'UpdateCommand' && ++updates === 2);
    await expect(dying.addVersion(pipeline, content('v2'), 'never')).rejects.toBeInstanceOf(Crash);
    const after = (await store.get(pipeline.id))!;
    expect(liveVersions(after)).toEqual([1]);
    expect(after.desc).toBe('');
    const { version } = await store.addVersion(after, content('v3'), 'third');
    expect(version).toBe(3);
    expect(liveVersions((await store.get(pipeline.id))!)).toEqual([1, 3]);
  });

  it('after a version is removed leaves it removed', async () => {
    const created = await store.create(newPipeline('crash_remove'), content('v1'));
    const { pipeline } = await store.addVersion(created, content('v2'), '');
    const dying = crashingStore(named('DeleteCommand')); // the item cleanup never runs
    await dying.removeVersion(pipeline, 2);
    expect(liveVersions((await store.get(pipeline.id))!)).toEqual([1]);
  });
});
