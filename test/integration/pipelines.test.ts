import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startWithUsers } from '../support/api.ts';
import { call, type FloeProcess } from '../support/floe-process.ts';
import { base64, pipelineClient, TIME, yamlOf } from '../support/pipelines.ts';

const USERS = ['alice', 'bobby', 'pager'];

let floe: FloeProcess;
let root: string;
let alice: string;
let bobby: string;
let pager: string;
beforeAll(async () => {
  let tokens: Record<string, string>;
  ({ floe, root, tokens } = await startWithUsers(USERS));
  ({ alice, bobby, pager } = tokens as Record<'alice' | 'bobby' | 'pager', string>);
});
afterAll(async () => {
  await floe.stop();
});

const { post, get, del, create, update, pipelinePages, versionPages } = pipelineClient(() => floe);

describe('creating a pipeline from yamlRaw', () => {
  it('answers 201 with the ids and the YAML name; show returns the pipeline and its one version', async () => {
    const yaml = yamlOf('first_ppl');
    const reply = await post(alice, { yamlRaw: base64(yaml), desc: 'the first' });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.json).toEqual({
      pipelineID: expect.stringMatching(/^ppl-\d{6}$/),
      pipelineVersionID: '1',
      name: 'first_ppl',
    });
    const id = reply.json.pipelineID;

    const shown = await get(alice, `/pipeline/${id}`);
    expect(shown.status, shown.text).toBe(200);
    expect(shown.json.pipeline).toEqual({
      pipelineID: id,
      name: 'first_ppl',
      desc: 'the first',
      username: 'alice',
      createTime: expect.stringMatching(TIME),
      updateTime: expect.stringMatching(TIME),
    });
    expect(shown.json.pplVersions).toEqual({
      maxKeys: 50,
      isTruncated: false,
      pplVersionList: [
        {
          pipelineVersionID: '1',
          pipelineID: id,
          fsName: '',
          yamlPath: '',
          pipelineYaml: yaml,
          username: 'alice',
          createTime: expect.stringMatching(TIME),
          updateTime: expect.stringMatching(TIME),
        },
      ],
    });
  });

  it('numbers pipelines ppl-NNNNNN in creation order', async () => {
    const first = await create(alice, 'order_one');
    const second = await create(alice, 'order_two');
    expect(Number(second.slice(4))).toBeGreaterThan(Number(first.slice(4)));
  });

  it('reads body fields case-insensitively, as the SDK sends them', async () => {
    const reply = await post(alice, { YAMLRAW: base64(yamlOf('cased_keys')), Desc: 'cased' });
    expect(reply.status, reply.text).toBe(201);
    const shown = await get(alice, `/pipeline/${reply.json.pipelineID}`);
    expect(shown.json.pipeline.desc).toBe('cased');
  });

  it('accepts base64 with line breaks, as Go does', async () => {
    const encoded = base64(yamlOf('wrapped_b64')).replace(/(.{20})/g, '$1\r\n');
    const reply = await post(alice, { yamlRaw: encoded });
    expect(reply.status, reply.text).toBe(201);
  });

  it('refuses a second pipeline of the same name for one user, but another user may use it', async () => {
    await create(alice, 'shared_name');
    expectError(
      await post(alice, { yamlRaw: base64(yamlOf('shared_name', 'echo other')) }),
      400,
      'DuplicatedName',
      'shared_name',
    );
    await create(bobby, 'shared_name');
    await create(root, 'shared_name');
    const all = await get(root, '/pipeline?nameFilter=shared_name');
    expect(all.json.pipelineList.map((p: { username: string }) => p.username).sort()).toEqual([
      'alice',
      'bobby',
      'root',
    ]);
  });

  it('lets exactly one of racing creates of one name win', async () => {
    const replies = await Promise.all(
      [1, 2, 3, 4].map((i) => post(bobby, { yamlRaw: base64(yamlOf('racing_name', `echo ${i}`)) })),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([201, 400, 400, 400]);
    for (const loser of replies.filter((r) => r.status === 400))
      expect(loser.json.code).toBe('DuplicatedName');
    const listed = await get(bobby, '/pipeline?nameFilter=racing_name');
    expect(listed.json.pipelineList).toHaveLength(1);
  });

  it.each([
    ['a character outside the alphabet', 'bmFt!ZTogeA=='],
    ['the URL-safe alphabet', 'bmFtZTogeA-_'],
    ['missing padding', 'bmFtZTogeA'],
    ['padding in the middle', 'bmF=ZTogeA=='],
    ['too much padding', 'bmFtZTog===='],
  ])('refuses yamlRaw with %s as 400 Decode base64', async (_, yamlRaw) => {
    expectError(await post(alice, { yamlRaw }), 400, 'Decode base64', 'yamlRaw');
  });

  it('refuses a desc over 256 bytes (Go counts bytes), and takes 256', async () => {
    expectError(
      await post(alice, { yamlRaw: base64(yamlOf('long_desc')), desc: 'x'.repeat(257) }),
      400,
      'InvalidArguments',
      'desc',
    );
    expectError(
      await post(alice, { yamlRaw: base64(yamlOf('long_desc')), desc: '流'.repeat(100) }),
      400,
      'InvalidArguments',
      'desc',
    );
    await create(alice, 'long_desc', { desc: 'x'.repeat(256) });
  });

  it('refuses yamlRaw with fsName or yamlPath, and a request with neither source', async () => {
    const yamlRaw = base64(yamlOf('two_sources'));
    expectError(await post(alice, { yamlRaw, fsName: 'myfs' }), 400, 'InvalidArguments', 'fsName');
    expectError(await post(alice, { yamlRaw, yamlPath: './run.yaml' }), 400, 'InvalidArguments', 'yamlPath');
    expectError(await post(alice, {}), 400, 'InvalidArguments', 'fsName');
    expectError(await post(alice, { desc: 'no source' }), 400, 'InvalidArguments', './run.yaml');
  });

  it('refuses YAML too large to store with 400 InvalidArguments', async () => {
    const padding = `# ${'x'.repeat(1000)}\n`.repeat(320);
    const reply = await post(alice, { yamlRaw: base64(yamlOf('too_large') + padding) });
    expectError(reply, 400, 'InvalidArguments', 'too large');
    const fits = `# ${'x'.repeat(1000)}\n`.repeat(290);
    const id = await create(alice, 'large_but_fits', { yamlRaw: base64(yamlOf('large_but_fits') + fits) });
    const version = await get(alice, `/pipeline/${id}/1`);
    expect(version.json.pipelineVersion.pipelineYaml).toBe(yamlOf('large_but_fits') + fits);
  });

  it('refuses YAML the spec rejects as 400 InvalidPipeline', async () => {
    expectError(
      await post(alice, { yamlRaw: base64('name: [unclosed\nentry_points: {}\n') }),
      400,
      'InvalidPipeline',
    );
    const nameless = 'docker_env: python:3.9\nentry_points:\n  main:\n    command: echo hi\n';
    expectError(await post(alice, { yamlRaw: base64(nameless) }), 400, 'InvalidPipeline');
  });

  it('refuses bodies that are not the request object as 400 MalformedJSON', async () => {
    expectError(
      await post(alice, { yamlRaw: base64(yamlOf('typed')), desc: 5 }),
      400,
      'MalformedJSON',
      'desc',
    );
    expectError(await call(floe.api, 'POST', '/pipeline', { token: alice }), 400, 'MalformedJSON');
    expectError(
      await call(floe.api, 'POST', '/pipeline', { token: alice, rawBody: '{"yamlRaw": ' }),
      400,
      'MalformedJSON',
    );
  });

  it('lets only root name another user in username (the fs owner)', async () => {
    expectError(
      await post(alice, { yamlRaw: base64(yamlOf('impersonate')), username: 'bobby' }),
      400,
      'AuthIllegalUser',
    );
  });

  it('changed nothing when it refused', async () => {
    const names = ['long_desc', 'two_sources', 'typed', 'impersonate'];
    const listed = await get(alice, `/pipeline?nameFilter=${names.join(',')}&maxKeys=1000`);
    expect(listed.json.pipelineList.map((p: { name: string }) => p.name)).toEqual(['long_desc']);
  });

  it('answers a method the path does not serve with 405', async () => {
    expectError(
      await call(floe.api, 'PUT', '/pipeline', { token: alice, body: {} }),
      405,
      'MethodNotAllowed',
    );
  });
});

describe('listing pipelines', () => {
  let pagerIds: string[];
  beforeAll(async () => {
    pagerIds = [];
    for (let i = 1; i <= 7; i++) pagerIds.push(await create(pager, `paged_${i}`));
  });

  it('shows a user their own pipelines only, in id order, across exact pages', async () => {
    const pages = await pipelinePages(pager, 'maxKeys=3');
    expect(pages).toEqual([pagerIds.slice(0, 3), pagerIds.slice(3, 6), pagerIds.slice(6)]);
    const one = await get(pager, '/pipeline');
    expect(one.json).toMatchObject({ maxKeys: 50, isTruncated: false });
    expect(one.json.pipelineList[0]).toEqual({
      pipelineID: pagerIds[0],
      name: 'paged_1',
      desc: '',
      username: 'pager',
      createTime: expect.stringMatching(TIME),
      updateTime: expect.stringMatching(TIME),
    });
  });

  it('ends exactly when the last page is full', async () => {
    const pages = await pipelinePages(pager, 'maxKeys=7');
    expect(pages).toEqual([pagerIds]);
  });

  it('filters by exact names (comma list, spaces trimmed), paging over the matches only', async () => {
    const query = `nameFilter=${encodeURIComponent('paged_2, paged_5,,paged_7 ,paged')}&maxKeys=1`;
    const pages = await pipelinePages(pager, query);
    expect(pages).toEqual([[pagerIds[1]], [pagerIds[4]], [pagerIds[6]]]);
  });

  it('refuses userFilter from anyone but root with 403 AccessDenied', async () => {
    expectError(
      await get(alice, '/pipeline?userFilter=alice'),
      403,
      'AccessDenied',
      'only root user can set userFilter!',
    );
  });

  it('shows root everyone, or the users named in userFilter (case-insensitively, as user names are)', async () => {
    const everyone = (await pipelinePages(root, 'maxKeys=1000')).flat();
    expect(everyone).toEqual(expect.arrayContaining(pagerIds));
    expect([...everyone].sort()).toEqual(everyone);
    const pagerOnly = (await pipelinePages(root, 'userFilter=PAGER&maxKeys=2')).flat();
    expect(pagerOnly).toEqual(pagerIds);
    const two = await get(root, '/pipeline?userFilter=pager,bobby&maxKeys=1000');
    const owners = new Set(two.json.pipelineList.map((p: { username: string }) => p.username));
    expect(owners).toEqual(new Set(['pager', 'bobby']));
    const both = await get(root, '/pipeline?userFilter=pager,bobby&nameFilter=paged_3,shared_name');
    expect(both.json.pipelineList.map((p: { name: string }) => p.name).sort()).toEqual([
      'paged_3',
      'shared_name',
    ]);
  });

  it('pages root through a sparse filter over many pipelines without an empty page', async () => {
    const pages = await pipelinePages(root, 'userFilter=pager,nobody&nameFilter=paged_1,paged_7&maxKeys=1');
    expect(pages).toEqual([[pagerIds[0]], [pagerIds[6]]]);
  });

  it('refuses bad maxKeys with 400 InvalidURI and foreign or forged markers with 400 InvalidMarker', async () => {
    expectError(await get(pager, '/pipeline?maxKeys=0'), 400, 'InvalidURI', 'maxKeys[0]');
    expectError(await get(pager, '/pipeline?maxKeys=1001'), 400, 'InvalidURI');
    expectError(await get(pager, '/pipeline?marker=forged'), 400, 'InvalidMarker');
    const versions = await get(pager, `/pipeline/${pagerIds[0]}?maxKeys=1`);
    expect(versions.status).toBe(200);
    const id = pagerIds[0]!;
    await update(pager, id, 'paged_1', 'echo v2');
    const versionMarker = (await get(pager, `/pipeline/${id}?maxKeys=1`)).json.pplVersions.nextMarker;
    expect(versionMarker).toBeTruthy();
    expectError(
      await get(pager, `/pipeline?marker=${encodeURIComponent(versionMarker)}`),
      400,
      'InvalidMarker',
    );
  });
});

describe('deleting a pipeline', () => {
  it('answers an empty 200; the pipeline, its versions and its listing are gone; the name is free', async () => {
    const id = await create(alice, 'doomed');
    await update(alice, id, 'doomed', 'echo 2');
    const reply = await del(alice, `/pipeline/${id}`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).toBe('');
    expectError(await get(alice, `/pipeline/${id}`), 404, 'PipelineNotFound', id);
    expectError(await get(alice, `/pipeline/${id}/1`), 404, 'PipelineNotFound');
    expectError(await del(alice, `/pipeline/${id}`), 404, 'PipelineNotFound');
    expectError(await del(alice, `/pipeline/${id}/2`), 404, 'PipelineNotFound');
    expectError(
      await post(alice, { yamlRaw: base64(yamlOf('doomed')) }, `/pipeline/${id}`),
      404,
      'PipelineNotFound',
    );
    expect((await get(alice, '/pipeline?nameFilter=doomed')).json.pipelineList).toEqual([]);

    const again = await create(alice, 'doomed');
    expect(Number(again.slice(4))).toBeGreaterThan(Number(id.slice(4)));
    expect(await versionPages(alice, again)).toEqual([['1']]);
    expectError(await get(alice, `/pipeline/${id}`), 404, 'PipelineNotFound');
  });
});

describe('ownership', () => {
  let id: string;
  beforeAll(async () => {
    id = await create(alice, 'owned', { desc: 'mine' });
    await update(alice, id, 'owned', 'echo 2', 'mine');
  });

  it("refuses another user everything on someone's pipeline with 403 AccessDenied, changing nothing", async () => {
    expectError(await get(bobby, `/pipeline/${id}`), 403, 'AccessDenied', 'bobby');
    expectError(await get(bobby, `/pipeline/${id}/1`), 403, 'AccessDenied');
    expectError(
      await post(bobby, { yamlRaw: base64(yamlOf('owned', 'echo evil')) }, `/pipeline/${id}`),
      403,
      'AccessDenied',
    );
    expectError(await del(bobby, `/pipeline/${id}/1`), 403, 'AccessDenied');
    expectError(await del(bobby, `/pipeline/${id}`), 403, 'AccessDenied');
    expect((await get(bobby, '/pipeline?nameFilter=owned')).json.pipelineList).toEqual([]);
    expect(await versionPages(alice, id)).toEqual([['1', '2']]);
  });

  it('says 404 before 403 for a pipeline that does not exist', async () => {
    for (const reply of [
      await get(bobby, '/pipeline/ppl-999999'),
      await get(bobby, '/pipeline/ppl-999999/1'),
      await del(bobby, '/pipeline/ppl-999999'),
      await del(bobby, '/pipeline/ppl-999999/1'),
      await post(bobby, { yamlRaw: base64(yamlOf('owned')) }, '/pipeline/ppl-999999'),
    ]) {
      expectError(reply, 404, 'PipelineNotFound', 'ppl-999999');
    }
  });

  it('says 404 for ids that cannot name a pipeline, however long', async () => {
    const padded = id.replace('ppl-', 'ppl-0');
    for (const bad of ['nonsense', id.toUpperCase(), padded, `ppl-${'9'.repeat(3000)}`]) {
      expectError(await get(alice, `/pipeline/${bad}`), 404, 'PipelineNotFound');
      expectError(await del(alice, `/pipeline/${bad}/1`), 404, 'PipelineNotFound');
    }
  });

  it('lets root read, extend and trim any pipeline; the version records who made it', async () => {
    expect((await get(root, `/pipeline/${id}`)).status).toBe(200);
    expect(await update(root, id, 'owned', 'echo by root', 'root was here')).toBe('3');
    const version = await get(root, `/pipeline/${id}/3`);
    expect(version.json.pipelineVersion.username).toBe('root');
    expect(version.json.pipeline).toMatchObject({ username: 'alice', desc: 'root was here' });
    expect((await del(root, `/pipeline/${id}/1`)).status).toBe(200);
    expect(await versionPages(alice, id)).toEqual([['2', '3']]);
    expect((await del(root, `/pipeline/${id}`)).status).toBe(200);
    expectError(await get(alice, `/pipeline/${id}`), 404, 'PipelineNotFound');
  });
});
