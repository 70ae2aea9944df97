/**
 * The fs and link services and stores on the embedded DynamoDB, below HTTP: what the pipeline service calls
 * (resolveForUse, readFile), and store behaviour no HTTP request can provoke on its own (a failed link
 * cleanup, stale writers).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.ts';
import { FileSystemService } from '../../shared/services/filesystems.ts';
import { LinkService } from '../../shared/services/links.ts';
import type { TableRef } from '../../shared/store/client.ts';
import { ConditionFailedError } from '../../shared/store/conditions.ts';
import { FileSystemRepository, fileSystemPosition } from '../../shared/store/filesystems.ts';
import { LinkRepository } from '../../shared/store/links.ts';
import { type Page, queryPage } from '../../shared/store/paging.ts';
import { pfError } from '../support/pf-error.ts';
import { startTestTable, testCipher, withUsers } from '../support/table.ts';

let dynamo: LocalDynamo;
let ref: TableRef;
let fileSystems: FileSystemRepository;
let links: LinkRepository;
let service: FileSystemService;
let linkService: LinkService;
let dir: string;

const alice = { name: 'alice' };
const bob = { name: 'bobby' };
const root = { name: 'root' };
const hdfs = { url: 'hdfs://nn.example.com:9000/w', properties: { user: 'u', group: 'g' } };
const s3 = { url: 's3://b/x', properties: { accessKey: 'a', secretKey: 's', endpoint: 'e' } };

beforeAll(async () => {
  ({ dynamo, ref } = await startTestTable());
  fileSystems = new FileSystemRepository(ref);
  links = new LinkRepository(ref);
  const users = await withUsers(ref, ['alice', 'bobby']);
  const cipher = testCipher();
  service = new FileSystemService(fileSystems, links, users, cipher);
  linkService = new LinkService(fileSystems, links, users, cipher);

  dir = mkdtempSync(join(tmpdir(), 'floe-fs-service-'));
  mkdirSync(join(dir, 'pipelines'));
  writeFileSync(join(dir, 'run.yaml'), 'name: demo\n');
  writeFileSync(join(dir, 'pipelines', 'b.yaml'), 'name: b\n');
  writeFileSync(join(tmpdir(), 'floe-outside.yaml'), 'name: outside\n');
});
afterAll(async () => {
  await dynamo.close();
});

describe('resolveForUse and readFile, for pipelines', () => {
  it("resolves the caller's own fs, and root's use of anyone's", async () => {
    await service.create(alice, { name: 'work', url: `local://${dir}` });
    const fs = await service.resolveForUse(alice, 'work');
    expect(fs).toMatchObject({ id: 'fs-alice-work', type: 'local', subPath: dir, username: 'alice' });
    expect((await service.resolveForUse(root, 'work', 'alice')).id).toBe('fs-alice-work');
    expect((await service.resolveForUse(alice, 'work', 'alice')).id).toBe('fs-alice-work');
  });

  it("refuses another user's fs with 403 AccessDenied, and a missing one with 400 InvalidArguments", async () => {
    const denied = await pfError(service.resolveForUse(bob, 'work', 'alice'));
    expect(denied.code).toBe('AccessDenied');
    expect(denied.status).toBe(403);
    expect(denied.message).toBe('user[bobby] has no permission to fsName[work] with fsUser[alice]');

    const missing = await pfError(service.resolveForUse(bob, 'work'));
    expect(missing.code).toBe('InvalidArguments');
    expect(missing.status).toBe(400);
    expect(missing.message).toContain('fsID[fs-bobby-work]');
    expect(missing.message).toContain('does not exist');
  });

  it('reads files of a local fs by their path inside it, and nothing outside', async () => {
    const fs = await service.resolveForUse(alice, 'work');
    expect(await service.readFile(fs, './run.yaml')).toBe('name: demo\n');
    expect(await service.readFile(fs, 'pipelines/b.yaml')).toBe('name: b\n');
    for (const path of ['../floe-outside.yaml', './missing.yaml']) {
      const error = await pfError(service.readFile(fs, path));
      expect(error.code).toBe('ReadYamlFileFailed');
      expect(error.message).toContain(path);
    }
  });

  it('says it cannot read other kinds of fs yet', async () => {
    await service.create(alice, { name: 'remote', ...s3 });
    const fs = await service.resolveForUse(alice, 'remote');
    const error = await pfError(service.readFile(fs, './run.yaml'));
    expect(error.code).toBe('ReadYamlFileFailed');
    expect(error.message).toContain('reading from s3 file systems is not supported');
  });
});

describe('links of a deleted fs', () => {
  it('never resurface in a new fs of the same name, even when their cleanup failed', async () => {
    await service.create(alice, { name: 'linked', ...hdfs });
    await linkService.create(alice, { fsName: 'linked', fsPath: '/old', ...s3 });
    const old = (await fileSystems.get('fs-alice-linked'))!;
    // The fs item alone, as if the cleanup after it had failed: the old links stay in the table.
    await fileSystems.delete(old);
    expect((await links.get(old.id, old.incarnation)).links).toHaveLength(1);

    await service.create(alice, { name: 'linked', ...hdfs });
    const fresh = await linkService.list(alice, 'linked', { limit: 50 });
    expect(fresh.items).toEqual([]);
    expect(fresh.fs.incarnation).not.toBe(old.incarnation);
    await linkService.create(alice, { fsName: 'linked', fsPath: '/old/inner', ...s3 });
  });

  it('are removed with the fs by the service', async () => {
    const fs = (await fileSystems.get('fs-alice-linked'))!;
    await service.delete(alice, 'linked');
    expect((await links.get(fs.id, fs.incarnation)).version).toBe(0);
  });
});

describe('stores', () => {
  it('refuse a stale link writer, also after the links were emptied', async () => {
    const set = await links.get('fs-x-y', 'inc');
    const link = {
      fsPath: '/a',
      type: 's3',
      serverAddress: '',
      subPath: '/',
      properties: {},
      username: 'x',
      createdAt: '',
    };
    await links.save(set, [link]);
    const v1 = await links.get('fs-x-y', 'inc');
    await links.save(v1, []);
    await expect(links.save(set, [link])).rejects.toThrow(ConditionFailedError);
    await expect(links.save(v1, [link])).rejects.toThrow(ConditionFailedError);
    expect(await links.get('fs-x-y', 'inc')).toMatchObject({ links: [], version: 2 });
  });

  it('list file systems newest first below a position, on the index', async () => {
    for (const name of ['q1', 'q2', 'q3']) await service.create(bob, { name, url: `local://tmp/${name}` });
    const all = await fileSystems.list({ username: 'bobby', limit: 10 });
    expect(all.items.map((fs) => fs.name)).toEqual(['q3', 'q2', 'q1']);
    const below = await fileSystems.list({
      username: 'bobby',
      below: fileSystemPosition(all.items[0]!),
      limit: 1,
    });
    expect(below).toMatchObject({ items: [{ name: 'q2' }], truncated: true });
    const last = await fileSystems.list({
      username: 'bobby',
      below: fileSystemPosition(all.items[1]!),
      limit: 1,
    });
    expect(last).toMatchObject({ items: [{ name: 'q1' }], truncated: false });
    const byName = await fileSystems.list({
      username: 'bobby',
      name: 'q2',
      below: fileSystemPosition(all.items[1]!),
      limit: 5,
    });
    expect(byName.items).toEqual([]);
  });

  it('page backwards with cursors too (queryPage descending on dynalite)', async () => {
    const index = { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' };
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<string> = await queryPage(
        ref,
        { index, partitionValue: 'FSOWNER#bobby', descending: true },
        { limit: 2, cursor },
        (row) => row.name as string,
      );
      seen.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(['q3', 'q2', 'q1']);
  });

  it('refuse a stale fs update or delete', async () => {
    const fs = (await fileSystems.get('fs-bobby-q1'))!;
    const { type, serverAddress, subPath, properties, independentMountProcess } = fs;
    const changes = { type, serverAddress, subPath, properties, independentMountProcess, updatedAt: 'later' };
    await fileSystems.update(fs, changes);
    await expect(fileSystems.update(fs, changes)).rejects.toThrow(ConditionFailedError);
    await expect(fileSystems.delete(fs)).rejects.toThrow(ConditionFailedError);
    expect((await fileSystems.get('fs-bobby-q1'))!.version).toBe(2);
  });
});
