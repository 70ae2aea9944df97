import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startWithUsers } from '../support/api.ts';
import type { FloeProcess } from '../support/floe-process.ts';
import { base64, pipelineClient, yamlOf } from '../support/pipelines.ts';

const USERS = ['alice', 'bobby'];

let floe: FloeProcess;
let root: string;
let alice: string;
let bobby: string;
beforeAll(async () => {
  let tokens: Record<string, string>;
  ({ floe, root, tokens } = await startWithUsers(USERS));
  ({ alice, bobby } = tokens as { alice: string; bobby: string });
});
afterAll(async () => {
  await floe.stop();
});

const { post, get, del, create, update, versionPages } = pipelineClient(() => floe);

describe('versions', () => {
  it('adds a version per update, keeps the desc of the last update and refuses another name', async () => {
    const id = await create(alice, 'versioned', { desc: 'v1 desc' });
    const before = (await get(alice, `/pipeline/${id}`)).json.pipeline;
    const reply = await post(
      alice,
      { yamlRaw: base64(yamlOf('versioned', 'echo two')), desc: 'v2 desc' },
      `/pipeline/${id}`,
    );
    expect(reply.status, reply.text).toBe(201);
    expect(reply.json).toEqual({ pipelineID: id, pipelineVersionID: '2' });

    expectError(
      await post(alice, { yamlRaw: base64(yamlOf('renamed')), desc: 'never' }, `/pipeline/${id}`),
      400,
      'InvalidArguments',
      'renamed',
    );
    const shown = (await get(alice, `/pipeline/${id}`)).json;
    expect(shown.pipeline).toMatchObject({
      name: 'versioned',
      desc: 'v2 desc',
      createTime: before.createTime,
    });
    expect(shown.pplVersions.pplVersionList.map((v: { pipelineYaml: string }) => v.pipelineYaml)).toEqual([
      yamlOf('versioned'),
      yamlOf('versioned', 'echo two'),
    ]);
    expect(await update(alice, id, 'versioned', 'echo three')).toBe('3');
  });

  it('applies the request checks to updates too', async () => {
    const id = await create(alice, 'checked_update');
    const path = `/pipeline/${id}`;
    expectError(await post(alice, { yamlRaw: 'bad!' }, path), 400, 'Decode base64');
    expectError(
      await post(alice, { yamlRaw: base64(yamlOf('checked_update')), desc: 'd'.repeat(300) }, path),
      400,
      'InvalidArguments',
    );
    expectError(await post(alice, { yamlRaw: base64('entry_points: {}') }, path), 400, 'InvalidPipeline');
    expect((await get(alice, path)).json.pplVersions.pplVersionList).toHaveLength(1);
  });

  it('pages versions in number order with exact truncation', async () => {
    const id = await create(alice, 'many_versions');
    for (let i = 2; i <= 5; i++) await update(alice, id, 'many_versions', `echo ${i}`);
    expect(await versionPages(alice, id, 'maxKeys=2')).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(await versionPages(alice, id, 'maxKeys=5')).toEqual([['1', '2', '3', '4', '5']]);
  });

  it('filters versions by fsName: yamlRaw versions have none', async () => {
    const id = await create(alice, 'fs_filtered');
    const shown = await get(alice, `/pipeline/${id}?fsFilter=somefs`);
    expect(shown.json.pplVersions).toEqual({ maxKeys: 50, isTruncated: false, pplVersionList: [] });
    const blank = await get(alice, `/pipeline/${id}?fsFilter=${encodeURIComponent(' , ')}`);
    expect(blank.json.pplVersions.pplVersionList).toHaveLength(1);
  });

  it("refuses another pipeline's version marker", async () => {
    const a = await create(alice, 'marker_a');
    const b = await create(alice, 'marker_b');
    await update(alice, a, 'marker_a', 'echo 2');
    await update(alice, b, 'marker_b', 'echo 2');
    const marker = (await get(alice, `/pipeline/${a}?maxKeys=1`)).json.pplVersions.nextMarker;
    expectError(
      await get(alice, `/pipeline/${b}?marker=${encodeURIComponent(marker)}`),
      400,
      'InvalidMarker',
    );
    const next = await get(alice, `/pipeline/${a}?maxKeys=1&marker=${encodeURIComponent(marker)}`);
    expect(
      next.json.pplVersions.pplVersionList.map((v: { pipelineVersionID: string }) => v.pipelineVersionID),
    ).toEqual(['2']);
  });

  it('shows one version with its pipeline; "02" and unknown numbers are 404 PipelineNotFound', async () => {
    const id = await create(alice, 'show_version');
    await update(alice, id, 'show_version', 'echo second');
    const reply = await get(alice, `/pipeline/${id}/2`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.pipeline).toMatchObject({ pipelineID: id, name: 'show_version' });
    expect(reply.json.pipelineVersion).toMatchObject({
      pipelineVersionID: '2',
      pipelineID: id,
      pipelineYaml: yamlOf('show_version', 'echo second'),
      username: 'alice',
    });
    for (const bad of ['02', '3', '0', 'x']) {
      expectError(await get(alice, `/pipeline/${id}/${bad}`), 404, 'PipelineNotFound', `version[${bad}]`);
    }
  });

  it('deletes a version; numbers are never reused, even after deleting the newest', async () => {
    const id = await create(alice, 'delete_versions');
    await update(alice, id, 'delete_versions', 'echo 2');
    await update(alice, id, 'delete_versions', 'echo 3');
    const reply = await del(alice, `/pipeline/${id}/3`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).toBe('');
    expectError(await get(alice, `/pipeline/${id}/3`), 404, 'PipelineNotFound');
    expectError(await del(alice, `/pipeline/${id}/3`), 404, 'PipelineNotFound');
    expect(await versionPages(alice, id)).toEqual([['1', '2']]);
    expect(await update(alice, id, 'delete_versions', 'echo 4')).toBe('4');
    expect(await versionPages(alice, id)).toEqual([['1', '2', '4']]);
  });

  it('refuses to delete the last version with 403 ActionNotAllowed', async () => {
    const id = await create(alice, 'last_version');
    await update(alice, id, 'last_version', 'echo 2');
    expect((await del(alice, `/pipeline/${id}/1`)).status).toBe(200);
    expectError(await del(alice, `/pipeline/${id}/2`), 403, 'ActionNotAllowed');
    expect(await versionPages(alice, id)).toEqual([['2']]);
  });

  it('never lets racing deletions remove the last version', async () => {
    const id = await create(alice, 'racing_deletes');
    for (let i = 2; i <= 4; i++) await update(alice, id, 'racing_deletes', `echo ${i}`);
    const replies = await Promise.all(['1', '2', '3', '4'].map((v) => del(alice, `/pipeline/${id}/${v}`)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(1);
    expectError(refused[0]!, 403, 'ActionNotAllowed');
    expect((await versionPages(alice, id)).flat()).toHaveLength(1);
  });

  it('gives racing updates distinct numbers and keeps them all', async () => {
    const id = await create(alice, 'racing_updates');
    const numbers = await Promise.all(
      [1, 2, 3, 4].map((i) => update(alice, id, 'racing_updates', `echo racing ${i}`)),
    );
    expect([...numbers].sort()).toEqual(['2', '3', '4', '5']);
    expect(await versionPages(alice, id)).toEqual([['1', '2', '3', '4', '5']]);
  });
});

describe('from a file system (yamlPath)', () => {
  let dir: string;
  let id: string;
  const mainFsYaml = (name: string, fsName: string) =>
    `${yamlOf(name)}fs_options:\n  main_fs:\n    name: ${fsName}\n`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floe-ppl-fs-'));
    writeFileSync(join(dir, 'run.yaml'), yamlOf('from_fs'));
    mkdirSync(join(dir, 'flows'));
    writeFileSync(join(dir, 'flows', 'v2.yaml'), yamlOf('from_fs', 'echo from v2'));
    writeFileSync(join(dir, 'other.yaml'), yamlOf('other_name'));
    writeFileSync(join(dir, 'main-fs.yaml'), mainFsYaml('main_fs_named', 'yamlfs'));
    const reply = await post(alice, { name: 'yamlfs', url: `local://${dir}` }, '/fs');
    expect(reply.status, reply.text).toBe(201);
  });

  it('reads ./run.yaml by default and records the fs and path on the version', async () => {
    const reply = await post(alice, { fsname: 'yamlfs', desc: 'from a file' });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.json).toMatchObject({ pipelineVersionID: '1', name: 'from_fs' });
    id = reply.json.pipelineID;
    const version = await get(alice, `/pipeline/${id}/1`);
    expect(version.json.pipelineVersion).toMatchObject({
      fsName: 'yamlfs',
      yamlPath: './run.yaml',
      pipelineYaml: yamlOf('from_fs'),
    });
  });

  it('adds versions from another path and from yamlRaw; fsFilter keeps the fs ones', async () => {
    const fromPath = await post(alice, { fsName: 'yamlfs', yamlPath: 'flows/v2.yaml' }, `/pipeline/${id}`);
    expect(fromPath.status, fromPath.text).toBe(201);
    expect(fromPath.json.pipelineVersionID).toBe('2');
    expect(await update(alice, id, 'from_fs', 'echo raw')).toBe('3');
    const v2 = (await get(alice, `/pipeline/${id}/2`)).json.pipelineVersion;
    expect(v2).toMatchObject({
      fsName: 'yamlfs',
      yamlPath: 'flows/v2.yaml',
      pipelineYaml: yamlOf('from_fs', 'echo from v2'),
    });
    expect(await versionPages(alice, id, 'fsFilter=yamlfs&maxKeys=1')).toEqual([['1'], ['2']]);
    expect(await versionPages(alice, id, 'fsFilter=nofs,yamlfs')).toEqual([['1', '2']]);
    expect(await versionPages(alice, id)).toEqual([['1', '2', '3']]);
  });

  it('refuses a file whose pipeline has another name, and files that cannot be read', async () => {
    expectError(
      await post(alice, { fsName: 'yamlfs', yamlPath: './other.yaml' }, `/pipeline/${id}`),
      400,
      'InvalidArguments',
      'other_name',
    );
    expectError(
      await post(alice, { fsName: 'yamlfs', yamlPath: './missing.yaml' }),
      400,
      'ReadYamlFileFailed',
    );
    expectError(
      await post(alice, { fsName: 'yamlfs', yamlPath: '../outside.yaml' }),
      400,
      'ReadYamlFileFailed',
    );
    expectError(await post(alice, { fsName: 'yamlfs', yamlPath: './flows' }), 400, 'ReadYamlFileFailed');
  });

  it("lets only the owner (or root, naming the owner in username) use a user's fs", async () => {
    expectError(await post(bobby, { fsName: 'yamlfs' }), 400, 'InvalidArguments', 'yamlfs');
    expectError(await post(bobby, { fsName: 'yamlfs', username: 'alice' }), 400, 'AuthIllegalUser');
    const byRoot = await post(root, { fsName: 'yamlfs', username: 'alice', yamlPath: './other.yaml' });
    expect(byRoot.status, byRoot.text).toBe(201);
    const shown = await get(root, `/pipeline/${byRoot.json.pipelineID}/1`);
    expect(shown.json.pipeline.username).toBe('root');
    expect(shown.json.pipelineVersion).toMatchObject({ fsName: 'yamlfs', yamlPath: './other.yaml' });
  });

  it("checks the YAML's own main_fs against the caller's file systems", async () => {
    const reply = await post(alice, { fsName: 'yamlfs', yamlPath: './main-fs.yaml' });
    expect(reply.status, reply.text).toBe(201);
    const raw = base64(mainFsYaml('main_fs_named', 'yamlfs'));
    expectError(await post(bobby, { yamlRaw: raw }), 400, 'InvalidArguments', 'yamlfs');
  });
});
