/** What the HTTP tests share: a running Floe with users, and PaddleFlow's error body checked. */
import { expect } from 'vitest';
import { call, login, type Reply, startFloe } from './floe-process.ts';

export const PASSWORD = 'secret123';

/** PaddleFlow's error body: the status, the code, a request id, and each text given inside the message. */
export function expectError(reply: Reply, status: number, code: string, ...inMessage: string[]) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.json).toMatchObject({ code });
  expect(reply.json.requestID).toBeTruthy();
  for (const text of inMessage) expect(reply.json.message).toContain(text);
}

/** A 200: the reply's text tells what went wrong otherwise. */
export const expectOk = (reply: Reply) => expect(reply.status, reply.text).toBe(200);

/**
 * Starts Floe (`options` as for startFloe) and creates `users` (password PASSWORD); returns their tokens and
 * root's.
 */
export async function startWithUsers<const U extends string>(
  users: readonly U[],
  options: Parameters<typeof startFloe>[0] = {},
) {
  const floe = await startFloe(options);
  const root = await login(floe.api, 'root', 'paddleflow');
  const tokens = {} as Record<U, string>;
  for (const username of users) {
    const reply = await call(floe.api, 'POST', '/user', {
      token: root,
      body: { username, password: PASSWORD },
    });
    expect(reply.status, reply.text).toBe(200);
    tokens[username] = await login(floe.api, username, PASSWORD);
  }
  return { floe, root, tokens };
}

/** Every row of an fs or link list (`path` with its query), following the `truncated`/`nextMarker` pages. */
export async function everyRow(
  api: string,
  token: string,
  path: string,
  listKey: string,
): Promise<Reply['json'][]> {
  const rows: Reply['json'][] = [];
  let marker = '';
  for (;;) {
    const reply = await call(api, 'GET', `${path}${marker}`, { token });
    expect(reply.status, reply.text).toBe(200);
    rows.push(...reply.json[listKey]);
    if (!reply.json.truncated) return rows;
    marker = `&marker=${encodeURIComponent(reply.json.nextMarker)}`;
  }
}
