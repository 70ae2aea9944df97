/**
 * Real runs through bubblewrap (it must be installed: `sh scripts/setup-sandbox.sh`).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { findSandbox } from '../../../infra/local/executor/find-sandbox.ts';
import { LauncherProcess } from '../../../infra/local/executor/launcher.ts';
import {
  type RunJobOptions,
  runJob,
  STOPPED_MESSAGE,
} from '../../../infra/local/executor/process-executor.ts';
import type { JobSpec, MountView } from '../../../shared/engine/run/model.ts';

const MNT = '/home/paddleflow/storage/mnt';
const MAIN = `${MNT}/fs-root-main`;
const EXTRA = `${MNT}/fs-root-extra`;

let base: string;
let mainRoot: string;
let extraRoot: string;
let logFile: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'floe-exec-'));
  mainRoot = join(base, 'fs', 'main');
  extraRoot = join(base, 'fs', 'extra');
  mkdirSync(mainRoot, { recursive: true });
  mkdirSync(extraRoot, { recursive: true });
  writeFileSync(join(extraRoot, 'data.txt'), 'extra data\n');
  logFile = join(base, 'logs', 'run-000001', 'job-1.log');
});

const mainMount = (extra: Partial<MountView> = {}): MountView => ({
  id: 'fs-root-main',
  name: 'main',
  mountPath: MAIN,
  subPath: '',
  readOnly: false,
  ...extra,
});
const extraMount: MountView = {
  id: 'fs-root-extra',
  name: 'extra',
  mountPath: EXTRA,
  subPath: '',
  readOnly: true,
};

const job = (command: string, extra: Partial<JobSpec> = {}): JobSpec => ({
  runId: 'run-000001',
  key: 'step1',
  attempt: 1,
  jobId: 'job-run-000001-step1-0123abcd',
  jobName: 'run-000001-step1',
  stepName: 'step1',
  command,
  dockerEnv: 'python:3.7',
  env: { PF_RUN_ID: 'run-000001' },
  workDir: MAIN,
  mounts: [mainMount(), extraMount],
  outputPaths: [],
  ...extra,
});

const run = (spec: JobSpec, extra: Partial<RunJobOptions> = {}) =>
  runJob(spec, {
    hostRoots: { 'fs-root-main': mainRoot, 'fs-root-extra': extraRoot },
    logFile,
    signal: new AbortController().signal,
    ...extra,
  });

const log = () => readFileSync(logFile, 'utf8');

describe('running a job in the sandbox', () => {
  it('has bubblewrap to run with', async () => {
    expect((await findSandbox()).ok).toBe(true);
  });

  it('starts in the main fs, which it can write, and sees the extra fs', async () => {
    const result = await run(job('pwd; echo written > out.txt; cat ../fs-root-extra/data.txt'));
    expect(result).toEqual({ status: 'succeeded', message: '' });
    expect(log()).toBe(`${MAIN}\nextra data\n`);
    expect(readFileSync(join(mainRoot, 'out.txt'), 'utf8')).toBe('written\n');
  });

  it('mounts the main fs subPath', async () => {
    mkdirSync(join(mainRoot, 'sub'));
    writeFileSync(join(mainRoot, 'sub', 'in-sub.txt'), 'sub\n');
    const result = await run(
      job('cat in-sub.txt; touch made.txt', { mounts: [mainMount({ subPath: 'sub' })] }),
    );
    expect(result.status).toBe('succeeded');
    expect(log()).toBe('sub\n');
    expect(existsSync(join(mainRoot, 'sub', 'made.txt'))).toBe(true);
  });

  it('cannot write a read-only extra fs', async () => {
    const result = await run(job(`echo x > ${EXTRA}/new.txt`));
    expect(result).toEqual({ status: 'failed', message: 'exit code 1' });
    expect(log()).toContain('Read-only file system');
    expect(existsSync(join(extraRoot, 'new.txt'))).toBe(false);
  });

  it('cannot write the host outside its mounts, and has a private /tmp', async () => {
    const name = `floe-private-${process.pid}-${Date.now()}`;
    const result = await run(
      job(`pwd; echo x > /tmp/${name} && echo tmp-ok; echo x > /var/tmp/${name} || echo var-refused`, {
        workDir: undefined,
      }),
    );
    expect(result.status).toBe('succeeded');
    expect(log()).toMatch(/^\/tmp\ntmp-ok\n.*Read-only file system\nvar-refused\n$/s);
    expect(existsSync(`/tmp/${name}`)).toBe(false);
    expect(existsSync(`/var/tmp/${name}`)).toBe(false);
  });

  it('hides host paths it is asked to', async () => {
    const result = await run(job('ls -A /var | wc -l; ls -A /usr | wc -l'), { hide: ['/var'] });
    expect(result.status).toBe('succeeded');
    expect(log()).toMatch(/^0\n[1-9]\d*\n$/);
  });

  it("runs with exactly the job's environment, the host's PATH and HOME=/tmp", async () => {
    process.env.FLOE_TEST_LEAK = 'leaked';
    try {
      const result = await run(
        job(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
          'echo "FOO=$FOO"; echo "RUN=$PF_RUN_ID"; echo "HOME=$HOME"; echo "LEAK=${FLOE_TEST_LEAK-unset}"; echo "PATH=$PATH"',
          {
            env: { FOO: 'bar baz', PF_RUN_ID: 'run-000001' },
          },
        ),
      );
      expect(result.status).toBe('succeeded');
      expect(log()).toBe(`FOO=bar baz\nRUN=run-000001\nHOME=/tmp\nLEAK=unset\nPATH=${process.env.PATH}\n`);
    } finally {
      delete process.env.FLOE_TEST_LEAK;
    }
  });

  it('turns exit codes into statuses', async () => {
    expect(await run(job('exit 3'))).toEqual({ status: 'failed', message: 'exit code 3' });
    expect(await run(job('true'))).toEqual({ status: 'succeeded', message: '' });
    expect(await run(job('kill -9 $$'))).toEqual({ status: 'failed', message: 'exit code 137' });
  });

  it('appends stdout and stderr to the log in the order they were written', async () => {
    await run(job('echo one; echo two >&2; echo three; echo four >&2'));
    await run(job('echo five >&2'));
    expect(log()).toBe('one\ntwo\nthree\nfour\nfive\n');
  });

  it('reports why bwrap could not set the sandbox up', async () => {
    const result = await run(job('true', { workDir: '/nonexistent-floe/dir' }));
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^sandbox setup failed: bwrap: Can't chdir to \/nonexistent-floe\/dir/);
  });

  it('empties output paths (relative to the main fs root, not its subPath) and creates their parents', async () => {
    const model = join(mainRoot, '.pipeline', 'run-000001', 'step1', 'model');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'old.bin'), 'old');
    writeFileSync(join(mainRoot, '.pipeline', 'run-000001', 'step1', 'metrics.json'), '{}');
    writeFileSync(join(mainRoot, '.pipeline', 'run-000001', 'step1', 'keep.txt'), 'keep');
    const result = await run(
      job('ls -A /tmp', {
        mounts: [mainMount({ subPath: 'work' })],
        outputPaths: [
          '.pipeline/run-000001/step1/model',
          '/.pipeline/run-000001/step1/metrics.json',
          './.pipeline/run-000001/step2/deep/result',
        ],
      }),
    );
    expect(result.status).toBe('succeeded');
    expect(readdirSync(join(mainRoot, '.pipeline', 'run-000001', 'step1'))).toEqual(['keep.txt']);
    expect(readdirSync(join(mainRoot, '.pipeline', 'run-000001', 'step2', 'deep'))).toEqual([]);
    expect(existsSync(join(mainRoot, 'work', '.pipeline'))).toBe(false);
  });

  it('refuses output paths that lead out of the main fs', async () => {
    const outside = join(base, 'outside');
    mkdirSync(join(outside, 'victim'), { recursive: true });
    symlinkSync(outside, join(mainRoot, 'evil'));
    for (const path of ['evil/victim', '../outside/victim']) {
      const result = await run(job('touch ran', { outputPaths: [path] }));
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/^preparing the job failed: .*(symbolic link|must not contain)/);
    }
    expect(existsSync(join(outside, 'victim'))).toBe(true);
    expect(existsSync(join(mainRoot, 'ran'))).toBe(false);
  });

  it('refuses a subPath that a symbolic link leads out of the fs', async () => {
    const outside = join(base, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(mainRoot, 'link'));
    const result = await run(job('touch escaped', { mounts: [mainMount({ subPath: 'link' })] }));
    expect(result.status).toBe('failed');
    expect(result.message).toContain('symbolic link');
    expect(existsSync(join(outside, 'escaped'))).toBe(false);
  });

  it('refuses a mount path over the system', async () => {
    const result = await run(job('true', { mounts: [mainMount({ mountPath: '/usr/local/fs' })] }));
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(
      /^preparing the job failed: mount path "\/usr\/local\/fs" lies under a system/,
    );
  });

  it('fails, without running anything, when there is no sandbox', async () => {
    const sandbox = await findSandbox(mkdtempSync(join(tmpdir(), 'floe-nobwrap-')));
    const result = await run(job('touch ran'), { sandbox });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(
      /^no sandbox: bubblewrap \(bwrap\) is not installed; run `sh scripts\/setup/,
    );
    expect(existsSync(join(mainRoot, 'ran'))).toBe(false);
  });

  it('does not start a job stopped before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run(job('touch ran'), { signal: controller.signal });
    expect(result).toEqual({ status: 'terminated', message: STOPPED_MESSAGE });
    expect(existsSync(join(mainRoot, 'ran'))).toBe(false);
  });
});

/** Processes whose process group is `pgid`, from /proc: pid → [command name, state]. */
function processGroup(pgid: number): Map<number, [string, string]> {
  const found = new Map<number, [string, string]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const [state, , pgrp] = stat.slice(close + 2).split(' ');
      if (Number(pgrp) === pgid) found.set(Number(entry), [name, state!]);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Alive: exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stopping a job', () => {
  it('kills its whole process group and ends terminated', async () => {
    const controller = new AbortController();
    let pgid = 0;
    const running = run(job('sleep 30 & sleep 30; wait'), {
      signal: controller.signal,
      killGraceMs: 1000,
      onSpawn: (pid) => {
        pgid = pid;
      },
    });
    let group = new Map<number, [string, string]>();
    for (let i = 0; i < 100; i++) {
      await sleep(20);
      if (pgid !== 0) group = processGroup(pgid);
      if ([...group.values()].filter(([name]) => name === 'sleep').length === 2) break;
    }
    // The sandbox (bwrap, and bwrap again as init of the pid namespace), the shell and both sleeps.
    const names = [...group.values()].map(([name]) => name).filter((name) => name !== 'bwrap');
    expect(names.sort()).toEqual(['bash', 'sleep', 'sleep']);

    try {
      const started = Date.now();
      controller.abort();
      expect(await running).toEqual({ status: 'terminated', message: STOPPED_MESSAGE });
      for (let i = 0; i < 50 && [...group.keys()].some(alive); i++) await sleep(20);
      expect([...group.keys()].filter(alive)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      for (const pid of [...group.keys()].filter(alive)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('the launcher process', () => {
  it('starts jobs for the runtime: same results, logs and stops as in process', async () => {
    const launcher = new LauncherProcess();
    try {
      expect(await run(job('echo through the launcher; exit 4'), { launcher })).toEqual({
        status: 'failed',
        message: 'exit code 4',
      });
      expect(log()).toBe('through the launcher\n');
      expect(await run(job('touch made-here'), { launcher })).toEqual({ status: 'succeeded', message: '' });
      expect(existsSync(join(mainRoot, 'made-here'))).toBe(true);

      const controller = new AbortController();
      let pgid = 0;
      const running = run(job('sleep 30'), {
        launcher,
        signal: controller.signal,
        onSpawn: (pid) => {
          pgid = pid;
        },
      });
      for (let i = 0; i < 100 && pgid === 0; i++) await sleep(20);
      expect(pgid).toBeGreaterThan(0);
      // The job runs in its own group, not the launcher's: stopping it leaves the launcher running.
      controller.abort();
      expect(await running).toEqual({ status: 'terminated', message: STOPPED_MESSAGE });
      expect(await run(job('true'), { launcher })).toEqual({ status: 'succeeded', message: '' });
    } finally {
      launcher.close();
    }
  });

  it('fails the jobs it was running when it goes away', async () => {
    const launcher = new LauncherProcess();
    let spawned!: () => void;
    const started = new Promise<void>((resolve) => {
      spawned = resolve;
    });
    const running = run(job('sleep 30'), { launcher, onSpawn: () => spawned() });
    await Promise.race([started, running]); // or its end, should it never spawn
    launcher.close();
    const result = await running;
    expect(result.status).toBe('failed');
    expect(result.message).toContain('launcher');
  });
});
