/**
 * Gateways over HTTP on the local runtime: an exclusive gateway runs one branch and shows the others skipped;
 * in a debug run a gateway that fails halts, and an operator's skip with the flow to take lets the run go on
 * (or a retry with new parameters decides again); a bad `flows` body is refused with 400.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/api.ts';
import type { FloeProcess } from '../support/floe-process.ts';
import { runClient, startWithWorkFs, stopFloe } from '../support/runs.ts';

let floe: FloeProcess;
let alice: string;
let dir: string;
beforeAll(async () => {
  ({
    floe,
    dir,
    tokens: { alice },
  } = await startWithWorkFs(['alice']));
  return () => stopFloe(floe);
});

const { submit, waitFor, get, nodePath, nodeAction, waitForNode } = runClient(
  () => floe,
  () => alice,
);
const skip = (runId: string, key: string, body?: unknown) => nodeAction(runId, key, 'skip', body);

/** `train` → gateway `choose` (exclusive, `mode`) → `deploy` | `retrain`, default `report`; each writes a file. */
const routed = (name: string, mode: 'first' | 'only', retrainIf: string) => `name: ${name}
docker_env: img
entry_points:
  train:
    parameters:
      acc: 0.95
    command: echo train
  choose:
    deps: train
    parameters:
      acc: "{{train.acc}}"
    gateway:
      type: exclusive
      mode: ${mode}
      branches:
        - target: deploy
          condition: "{{acc}} > 0.9"
        - target: retrain
          condition: "${retrainIf}"
      default: report
  deploy:
    deps: choose
    command: echo deploy > ${name}-deploy.txt
  retrain:
    deps: choose
    command: echo retrain > ${name}-retrain.txt
  report:
    deps: choose
    command: echo report > ${name}-report.txt
`;

const written = (name: string, step: string) => existsSync(join(dir, `${name}-${step}.txt`));

describe('gateways', () => {
  it('an exclusive gateway runs one branch; the others show as skipped, not taken by it', async () => {
    const run = await waitFor(
      alice,
      await submit(alice, routed('gwroute', 'first', '{{acc}} <= 0.9'), { fsName: 'work' }),
    );
    expect(run.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'gwroute-deploy.txt'), 'utf8')).toBe('deploy\n');
    expect(written('gwroute', 'retrain')).toBe(false);
    expect(written('gwroute', 'report')).toBe(false);
    const tree = (await get(`/run/${run.runID}/state`)).json;
    expect(tree.children.choose).toMatchObject({
      status: 'succeeded',
      route: ['deploy'],
      jobMessage: 'took [deploy]',
    });
    for (const key of ['retrain', 'report'])
      expect(tree.children[key]).toMatchObject({
        status: 'skipped',
        skip: true,
        untakenBy: 'choose',
        jobMessage: 'not taken by gateway [choose]',
      });
  });

  it('a debug run halts a gateway that fails; a skip with one flow takes it and the run succeeds', async () => {
    // Mode `only` with both branches holding: the gateway fails.
    const runId = await submit(alice, routed('gwskip', 'only', '{{acc}} > 0.5'), {
      fsName: 'work',
      debug: true,
    });
    const halted = await waitForNode(runId, 'choose', (node) => node.status === 'failed');
    expect(halted).toMatchObject({
      state: 'FAILED',
      ex_data: expect.stringContaining('2 branches of gateway [choose] held'),
    });
    expect((await get(`/run/${runId}`)).json.status).toBe('running');

    expectError(await skip(runId, 'choose'), 400, 'InvalidArguments', 'exactly one flow, not 0');
    expectError(
      await skip(runId, 'choose', { flows: ['deploy', 'retrain'] }),
      400,
      'InvalidArguments',
      'not 2',
    );
    expectError(
      await skip(runId, 'choose', { flows: ['train'] }),
      400,
      'InvalidArguments',
      '[train] is not a flow',
    );
    expectError(await skip(runId, 'choose', { flows: 'deploy' }), 400, 'MalformedJSON', 'flows');
    expectError(await skip(runId, 'train', { flows: ['deploy'] }), 400, 'InvalidArguments', 'not a gateway');

    const skipped = await skip(runId, 'choose', { flows: ['retrain'] });
    expect(skipped.status, skipped.text).toBe(200);
    expect(skipped.json).toMatchObject({ status: 'skipped', skip: true, route: ['retrain'] });
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'gwskip-retrain.txt'), 'utf8')).toBe('retrain\n');
    expect(written('gwskip', 'deploy')).toBe(false);
    const tree = (await get(`/run/${runId}/state`)).json;
    expect(tree.children.deploy).toMatchObject({ status: 'skipped', untakenBy: 'choose' });
    expect(tree.children.choose.jobMessage).toMatch(
      /^skipped by alice after it failed: .*; took \[retrain\]$/,
    );
  });

  it('a retry with new parameters makes a halted gateway decide again', async () => {
    const runId = await submit(alice, routed('gwretry', 'only', '{{acc}} > 0.5'), {
      fsName: 'work',
      debug: true,
    });
    await waitForNode(runId, 'choose', (node) => node.status === 'failed');
    const retried = await nodeAction(runId, 'choose', 'retry', { parameters: { acc: 0.7 } });
    expect(retried.status, retried.text).toBe(200);
    const run = await waitFor(alice, runId);
    expect(run.status).toBe('succeeded');
    expect(written('gwretry', 'retrain')).toBe(true);
    expect(written('gwretry', 'deploy')).toBe(false);
    const choose = (await get(nodePath(runId, 'choose'))).json;
    expect(choose).toMatchObject({ status: 'succeeded', retry: 1, route: ['retrain'] });
  });
});
