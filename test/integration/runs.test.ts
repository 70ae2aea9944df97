/**
 * Runs end to end over HTTP on the local runtime (`npm start`): PaddleFlow YAMLs whose steps run as sandboxed
 * processes on a local:// fs, read back through PaddleFlow's run API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/api.ts';
import { call, type FloeProcess } from '../support/floe-process.ts';
import { base64, TIME } from '../support/pipelines.ts';
import { jobsOf, runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let root: string;
let alice: string;
let bobby: string;
let aliceDir: string;
beforeAll(async () => {
  ({
    floe,
    root,
    dir: aliceDir,
    tokens: { alice, bobby },
  } = await startWithWorkFs(['alice', 'bobby']));
  await localFs(bobby, 'work');
  return () => stopFloe(floe);
});

const { localFs, submit, show, waitFor, runUntilFinal } = runClient(() => floe);
const read = (path: string) => readFileSync(join(aliceDir, path), 'utf8');

describe('a chain', () => {
  it('runs each step after the one before, in the main fs, and shows PaddleFlow’s run detail', async () => {
    const yaml = `name: chain
docker_env: python:3.9
entry_points:
  a:
    command: echo a >> chain.txt
  b:
    deps: a
    command: echo b >> chain.txt
  c:
    deps: b
    parameters:
      word: hello
    command: echo {{word}} $PF_STEP_NAME $PF_RUN_ID >> chain.txt
`;
    const runId = await submit(alice, yaml, { fsName: 'work', desc: 'three in a row' });
    const run = await waitFor(alice, runId);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(read('chain.txt')).toBe(`a\nb\nhello c ${runId}\n`);
    expect(run).toMatchObject({
      runID: runId,
      name: 'chain',
      username: 'alice',
      fsName: 'work',
      description: 'three in a row',
      runYaml: yaml,
      failureOptions: { strategy: 'fail_fast' },
      dockerEnv: 'python:3.9',
      scheduleID: '',
      postProcess: {},
    });
    expect(run.createTime).toMatch(TIME);
    expect(run.activateTime).toMatch(TIME);
    expect(run.fsOptions.mainFS).toMatchObject({ name: 'work', id: 'fs-alice-work', readOnly: false });
    expect(Object.keys(run.runtime).sort()).toEqual(['a', 'b', 'c']);
    const c = run.runtime.c[0];
    expect(c).toMatchObject({
      type: 'step',
      stepName: 'c',
      name: `${runId}-c`,
      status: 'succeeded',
      deps: 'b',
      command: `echo hello $PF_STEP_NAME $PF_RUN_ID >> chain.txt`,
      parameters: { word: 'hello' },
      dockerEnv: 'python:3.9',
      extraFS: null,
    });
    expect(c.jobID).toMatch(new RegExp(`^job-${runId}-c-[0-9a-f]{8}$`));
    expect(c.env).toMatchObject({ PF_RUN_ID: runId, PF_STEP_NAME: 'c', PF_USER_NAME: 'alice' });
    expect(c.startTime).toMatch(TIME);
    expect(c.endTime).toMatch(TIME);
  });
});

describe('a diamond with artifacts', () => {
  it('passes output artifacts to downstream steps as files', async () => {
    const yaml = `name: diamond
docker_env: img
entry_points:
  top:
    command: echo 3 > {{out}}
    artifacts:
      output: [out]
  left:
    deps: top
    command: echo $(( $(cat {{n}}) * 2 )) > {{res}}
    artifacts:
      input: {n: "{{top.out}}"}
      output: [res]
  right:
    deps: top
    parameters: {k: 10}
    command: echo $(( $(cat $PF_INPUT_ARTIFACT_N) + {{k}} )) > $PF_OUTPUT_ARTIFACT_RES
    artifacts:
      input: {n: "{{top.out}}"}
      output: [res]
  bottom:
    deps: left,right
    command: echo $(cat {{l}}) $(cat {{r}}) > diamond.txt
    artifacts:
      input: {l: "{{left.res}}", r: "{{right.res}}"}
`;
    const run = await runUntilFinal(alice, yaml, { fsName: 'work' });
    expect(run.status, JSON.stringify(run.runtime)).toBe('succeeded');
    expect(read('diamond.txt')).toBe('6 13\n');
    const top = run.runtime.top[0];
    expect(top.artifacts.output.out).toMatch(
      new RegExp(`^\\.pipeline/${run.runID}/diamond/top-0-[0-9a-f]{32}/out$`),
    );
    expect(run.runtime.left[0].artifacts.input.n).toBe(top.artifacts.output.out);
    expect(read(top.artifacts.output.out)).toBe('3\n');
  });
});

describe('a DAG component', () => {
  it('gives its children PF_PARENT parameters and artifacts and exposes their outputs', async () => {
    const yaml = `name: dagppl
docker_env: img
entry_points:
  prep:
    command: echo 5 > {{data}}
    artifacts:
      output: [data]
  square:
    deps: prep
    parameters: {factor: 3}
    artifacts:
      input: {src: "{{prep.data}}"}
      output: {result: "{{mul.out}}"}
    entry_points:
      mul:
        parameters: {f: "{{PF_PARENT.factor}}"}
        artifacts:
          input: {src: "{{PF_PARENT.src}}"}
          output: [out]
        command: echo $(( $(cat {{src}}) * {{f}} )) > {{out}}
  report:
    deps: square
    artifacts:
      input: {r: "{{square.result}}"}
    command: cp {{r}} dag.txt
`;
    const run = await runUntilFinal(alice, yaml, { fsName: 'work' });
    expect(run.status, JSON.stringify(run.runtime)).toBe('succeeded');
    expect(read('dag.txt')).toBe('15\n');
    const dag = run.runtime.square[0];
    expect(dag).toMatchObject({ type: 'dag', dagName: 'square', status: 'succeeded', deps: 'prep' });
    expect(dag.id).toMatch(new RegExp(`^dag-${run.runID}-[0-9a-f]{16}$`));
    const mul = dag.entryPoints.mul[0];
    expect(mul).toMatchObject({ parentDagID: dag.id, parameters: { f: '3' } });
    expect(dag.artifacts.output.result).toBe(mul.artifacts.output.out);
  });
});

describe('a loop over an artifact', () => {
  it('runs one job per item with PF_LOOP_ARGUMENT', async () => {
    const yaml = `name: looper
docker_env: img
entry_points:
  gen:
    command: echo '[1, 2, 3]' > {{items}}
    artifacts:
      output: [items]
  each:
    deps: gen
    artifacts:
      input: {items: "{{gen.items}}"}
    loop_argument: "{{items}}"
    command: echo item-{{PF_LOOP_ARGUMENT}}-$PF_LOOP_ARGUMENT >> loop.txt
`;
    const run = await runUntilFinal(alice, yaml, { fsName: 'work' });
    expect(run.status, JSON.stringify(run.runtime)).toBe('succeeded');
    const jobs = run.runtime.each;
    expect(jobs.map((job: { env: Record<string, string> }) => job.env.PF_LOOP_ARGUMENT)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(jobs.map((job: { name: string }) => job.name)).toEqual([
      `${run.runID}-each`,
      `${run.runID}-each-1`,
      `${run.runID}-each-2`,
    ]);
    expect(read('loop.txt').split('\n').filter(Boolean).sort()).toEqual(['item-1-1', 'item-2-2', 'item-3-3']);
  });
});

describe('conditions', () => {
  it('run a step whose condition holds, skip one whose does not, and let its downstream run', async () => {
    const yaml = `name: conds
docker_env: img
entry_points:
  num:
    command: echo 7 > {{n}}
    artifacts:
      output: [n]
  big:
    deps: num
    artifacts:
      input: {n: "{{num.n}}"}
    condition: "{{n}} > 5"
    command: echo big > big.txt
  small:
    deps: num
    parameters: {limit: 3}
    condition: "{{limit}} > 5"
    command: echo small > small.txt
  after:
    deps: small
    command: echo after > after.txt
`;
    const run = await runUntilFinal(alice, yaml, { fsName: 'work' });
    expect(run.status, JSON.stringify(run.runtime)).toBe('succeeded');
    const jobs = jobsOf(run);
    expect(jobs.big![0].status).toBe('succeeded');
    expect(jobs.small![0].status).toBe('skipped');
    expect(jobs.after![0].status).toBe('succeeded');
    expect(read('big.txt')).toBe('big\n');
    expect(read('after.txt')).toBe('after\n');
    expect(() => read('small.txt')).toThrow();
  });
});

describe('creating runs', () => {
  const simple = (name: string) =>
    `name: ${name}\ndocker_env: img\nentry_points:\n  only:\n    command: echo ${name}\n`;

  it('runs a pipeline version by pipelineID, and the latest version when none is given', async () => {
    const created = await call(floe.api, 'POST', '/pipeline', {
      token: alice,
      body: { yamlRaw: base64(simple('fromppl')) },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.pipelineID;
    const byVersion = await runUntilFinal(alice, '', {
      pipelineID: id,
      pipelineVersionID: '1',
      fsName: 'work',
      runYamlRaw: '',
    });
    expect(byVersion).toMatchObject({ status: 'succeeded', source: `${id}-1`, name: 'fromppl' });
    const latest = await runUntilFinal(alice, '', { pipelineID: id, fsName: 'work', runYamlRaw: '' });
    expect(latest.source).toBe(`${id}-`);
  });

  it('reads runYamlPath from the fs', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(aliceDir, 'run.yaml'), simple('frompath'));
    const reply = await call(floe.api, 'POST', '/run', { token: alice, body: { fsname: 'work' } });
    expect(reply.status, reply.text).toBe(201);
    const run = await waitFor(alice, reply.json.runID);
    expect(run).toMatchObject({ status: 'succeeded', source: './run.yaml', name: 'frompath' });
  });

  it('applies parameters, disabled and dockerEnv from the request', async () => {
    const yaml = `name: overrides
docker_env: img
entry_points:
  a:
    parameters: {p: 1}
    command: echo {{p}} > over.txt
  b:
    command: echo b > disabled.txt
`;
    const run = await runUntilFinal(alice, yaml, {
      fsName: 'work',
      parameters: { 'a.p': 42 },
      disabled: 'b',
      dockerEnv: 'other:1',
    });
    expect(run.status).toBe('succeeded');
    expect(read('over.txt')).toBe('42\n');
    expect(run.runtime.b[0].status).toBe('skipped');
    expect(run).toMatchObject({ disabled: 'b', dockerEnv: 'other:1', parameters: { 'a.p': 42 } });
  });

  it('runs /runjson bodies', async () => {
    const reply = await call(floe.api, 'POST', '/runjson', {
      token: alice,
      body: {
        name: 'jsonppl',
        dockerEnv: 'img',
        fsOptions: { mainFS: { name: 'work' } },
        entryPoints: { hello: { command: 'echo json > json.txt' } },
      },
    });
    expect(reply.status, reply.text).toBe(201);
    const run = await waitFor(alice, reply.json.runID);
    expect(run.status).toBe('succeeded');
    expect(read('json.txt')).toBe('json\n');
  });

  it('refuses bad requests with PaddleFlow’s codes and creates nothing', async () => {
    const refused: [body: Record<string, unknown>, status: number, code: string, ...inMessage: string[]][] = [
      [{ runYamlRaw: 'not base64!' }, 400, 'MalformedYaml'],
      [{ runYamlRaw: base64(`${simple('bogus')}    bogus: 1\n`), fsName: 'work' }, 400, 'InvalidPipeline'],
      [
        { runYamlRaw: base64(simple('okname')), fsName: 'work', name: 'bad name!' },
        400,
        'InvalidNamePattern',
      ],
      [{ runYamlPath: './x.yaml' }, 400, 'InvalidArguments', 'fsName'],
      [{ fsName: 'nofs', runYamlRaw: base64(simple('nofs')) }, 400, 'InvalidArguments', 'nofs'],
      [{ pipelineID: 'ppl-999999' }, 404, 'PipelineNotFound'],
      [{ fsName: 'work', runYamlPath: './missing.yaml' }, 400, 'ReadYamlFileFailed'],
    ];
    const before = await call(floe.api, 'GET', '/run?maxKeys=1000', { token: alice });
    for (const [body, status, code, ...inMessage] of refused) {
      expectError(await call(floe.api, 'POST', '/run', { token: alice, body }), status, code, ...inMessage);
    }
    const after = await call(floe.api, 'GET', '/run?maxKeys=1000', { token: alice });
    expect(after.json.runList.length).toBe(before.json.runList.length);
  });
});

describe('listing and showing runs', () => {
  it('filters exactly, pages without empty promises, and keeps users to their own runs', async () => {
    const mine = await runUntilFinal(
      bobby,
      'name: listed\ndocker_env: img\nentry_points:\n  s:\n    command: "true"\n',
      { fsName: 'work' },
    );
    const bobbyList = await call(floe.api, 'GET', '/run', { token: bobby });
    expect(bobbyList.json.runList.map((run: { runID: string }) => run.runID)).toEqual([mine.runID]);
    expect(bobbyList.json.runList[0]).toMatchObject({
      runID: mine.runID,
      username: 'bobby',
      status: 'succeeded',
      scheduledTime: '',
    });

    const byName = await call(floe.api, 'GET', '/run?nameFilter=listed&statusFilter=succeeded', {
      token: root,
    });
    expect(byName.json.runList.map((run: { runID: string }) => run.runID)).toEqual([mine.runID]);
    expect(byName.json.isTruncated).toBe(false);

    const page = await call(floe.api, 'GET', '/run?maxKeys=1&userFilter=alice', { token: root });
    expect(page.json.runList).toHaveLength(1);
    expect(page.json.isTruncated).toBe(true);
    const next = await call(
      floe.api,
      'GET',
      `/run?maxKeys=1&userFilter=alice&marker=${encodeURIComponent(page.json.nextMarker)}`,
      { token: root },
    );
    expect(next.json.runList).toHaveLength(1);
    expect(next.json.runList[0].runID > page.json.runList[0].runID).toBe(true);

    expectError(await show(alice, mine.runID), 403, 'AccessDenied');
    expectError(await show(alice, 'run-999999'), 404, 'RunNotFound');
    expectError(await call(floe.api, 'GET', '/run?maxKeys=0', { token: alice }), 400, 'InvalidURI');
  });
});
