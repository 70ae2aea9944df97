/**
 * Starts Floe the way a user does (`infra/local/main.ts`, the script behind `npm start`) as a child process on
 * a free port, and speaks HTTP to it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_RUNTIME_NODE_FLAGS } from '../../infra/local/config.ts';

const repositoryRoot = join(import.meta.dirname, '..', '..');

export interface FloeProcess {
  url: string;
  api: string;
  dataDir: string;
  output: () => string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

export const newDataDir = () => mkdtempSync(join(tmpdir(), 'floe-test-'));

export async function startFloe(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<FloeProcess> {
  const dataDir = options.dataDir ?? newDataDir();
  const child: ChildProcess = spawn(
    process.execPath,
    [...LOCAL_RUNTIME_NODE_FLAGS, '--import', 'tsx', 'infra/local/main.ts'],
    {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        FLOE_PORT: '0',
        FLOE_DATA_DIR: dataDir,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Floe did not start in time:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Floe exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    api: `${url}/api/paddleflow/v1`,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      return code as number | null;
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test replies are inspected field by field
  json: any;
}

export async function call(
  api: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['x-pf-authorization'] = options.token;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${api}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function login(api: string, username: string, password: string): Promise<string> {
  const reply = await call(api, 'POST', '/login', { body: { username, password } });
  if (reply.status !== 200) throw new Error(`login ${username} failed: ${reply.text}`);
  return reply.json.authorization as string;
}
