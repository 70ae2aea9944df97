/**
 * `npm run bench`: bundle sizes and the local API's latency under 20 concurrent clients. Prints figures; it
 * asserts nothing about time (targets: bundles ≤ 300 KB, p99 ≤ 50 ms locally).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, login, startFloe } from '../support/floe-process.ts';
import { measureBundles } from './bundles.ts';
import { measureCrontabs } from './cron.ts';
import { chain, measureReconcile, measureRuns, wideDag } from './runs.ts';
import { FIXTURE, measureParser } from './spec.ts';
import { measureConcurrent, percentile } from './stats.ts';

const CLIENTS = 20;
const CALLS_PER_CLIENT = 50;
const SEEDED_USERS = 100;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

function report(name: string, { latencies, seconds }: { latencies: number[]; seconds: number }) {
  console.log(
    `${name.padEnd(34)} n=${String(latencies.length).padEnd(5)} p50 ${ms(percentile(latencies, 50)).padEnd(9)}` +
      ` p99 ${ms(percentile(latencies, 99)).padEnd(9)} ${(latencies.length / seconds).toFixed(0)} req/s`,
  );
}

console.log('Bundle sizes (esbuild, minified ESM, AWS SDK external; target ≤ 300 KB)');
for (const bundle of await measureBundles()) {
  const parts = bundle.largest.map((p) => `${p.path} ${kb(p.bytes)}`).join(', ');
  console.log(`  ${bundle.name.padEnd(12)} ${kb(bundle.bytes).padStart(9)}   largest: ${parts}`);
}

const parser = measureParser();
console.log('\nPipeline spec parser (parse + validate + compile, warm)');
console.log(`  all-features fixture          ${parser.fixtureMicros.toFixed(0)} µs per parse`);
console.log(`  ${parser.largeSteps}-step chain               ${parser.largeMicros.toFixed(0)} µs per parse`);

console.log('\nCrontab next fire time (warm)');
for (const { crontab, micros } of measureCrontabs()) {
  console.log(`  ${crontab.padEnd(40)} ${micros.toFixed(1)} µs per next()`);
}

console.log(
  '\nRuns on the local runtime (targets: ≥ 250 nodes/s wide, ≤ 20 ms p50 dependency-to-start, < 300 MB)',
);
const runCases = [
  { name: '1,000-node wide DAG', yaml: wideDag(1000) },
  { name: '200-step chain', yaml: chain(200) },
];
for (const { name, yaml } of runCases) {
  const pure = measureReconcile(yaml);
  console.log(`  ${name.padEnd(22)} reconcile alone ${pure.msPerNode.toFixed(3)} ms per node`);
}
const runFigures = await measureRuns(runCases);
for (const [name, f] of Object.entries(runFigures)) {
  console.log(
    `  ${name.padEnd(22)} ${f.nodes} nodes in ${f.seconds.toFixed(2)} s = ${f.nodesPerSecond.toFixed(0)} nodes/s;` +
      ` consumer ${f.consumerMsPerNode.toFixed(2)} ms/node;` +
      ` ${f.depToStart.measured}-to-start p50 ${ms(f.depToStart.p50)} p99 ${ms(f.depToStart.p99)};` +
      ` peak RSS ${f.peakRssMb.toFixed(0)} MB`,
  );
}

const floe = await startFloe();
try {
  const root = await login(floe.api, 'root', 'paddleflow');
  for (let i = 0; i < SEEDED_USERS; i++) {
    const reply = await call(floe.api, 'POST', '/user', {
      token: root,
      body: { username: `bench${i}`, password: 'bench123' },
    });
    if (reply.status !== 200) throw new Error(reply.text);
  }

  const expectOk = (status: number, what: string) => {
    if (status !== 200) throw new Error(`${what} answered ${status}`);
  };

  console.log(`\nLocal API latency, ${CLIENTS} concurrent clients (target p99 ≤ 50 ms)`);
  const single = await measureConcurrent(CLIENTS, CALLS_PER_CLIENT, async () => {
    expectOk((await call(floe.api, 'GET', '/user?user=bench1', { token: root })).status, 'GET /user?user=');
  });
  report('GET /user?user=bench1', single);
  const listing = await measureConcurrent(CLIENTS, CALLS_PER_CLIENT, async () => {
    expectOk((await call(floe.api, 'GET', '/user', { token: root })).status, 'GET /user');
  });
  report('GET /user (50 of 101 users)', listing);

  // One login per client first, so the figure below is the steady state of a script that logs in repeatedly.
  await measureConcurrent(CLIENTS, 1, async (client) => {
    const reply = await call(floe.api, 'POST', '/login', {
      body: { username: `bench${client}`, password: 'bench123' },
    });
    expectOk(reply.status, 'POST /login');
  });
  const login20 = await measureConcurrent(CLIENTS, CALLS_PER_CLIENT, async (client) => {
    const reply = await call(floe.api, 'POST', '/login', {
      body: { username: `bench${client}`, password: 'bench123' },
    });
    expectOk(reply.status, 'POST /login');
  });
  report('POST /login (repeat credentials)', login20);

  // Every call below is a first login for its credentials: the full scrypt cost, no verified-credential cache.
  const firstLogins = await measureConcurrent(CLIENTS, 4, async (client, i) => {
    const user = `bench${20 + client * 4 + i}`;
    expectOk(
      (await call(floe.api, 'POST', '/login', { body: { username: user, password: 'bench123' } })).status,
      user,
    );
  });
  report('POST /login (first per credential)', firstLogins);

  // The fixture mounts fs `data` (main) and `models`: root owns both, as local directories.
  const fsRoot = mkdtempSync(join(tmpdir(), 'floe-bench-fs-'));
  for (const name of ['data', 'models']) {
    const reply = await call(floe.api, 'POST', '/fs', {
      token: root,
      body: { name, url: `local://${fsRoot}/${name}` },
    });
    if (reply.status !== 201) throw new Error(`POST /fs answered ${reply.status}: ${reply.text}`);
  }
  const yamlRaw = (name: string) =>
    Buffer.from(FIXTURE.replace('name: numbers', `name: ${name}`)).toString('base64');
  const creates = await measureConcurrent(CLIENTS, 10, async (client, i) => {
    const reply = await call(floe.api, 'POST', '/pipeline', {
      token: root,
      body: { yamlRaw: yamlRaw(`p${client}_${i}`) },
    });
    if (reply.status !== 201) throw new Error(`POST /pipeline answered ${reply.status}: ${reply.text}`);
  });
  report('POST /pipeline (all-features YAML)', creates);
  const pipelines = await measureConcurrent(CLIENTS, CALLS_PER_CLIENT, async () => {
    expectOk((await call(floe.api, 'GET', '/pipeline', { token: root })).status, 'GET /pipeline');
  });
  report('GET /pipeline (50 of 200)', pipelines);
} finally {
  await floe.stop();
}
