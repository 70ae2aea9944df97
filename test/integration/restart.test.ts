import { describe, expect, it } from 'vitest';
import { startWithUsers } from '../support/api.ts';
import { call, login, newDataDir, startFloe } from '../support/floe-process.ts';

describe('the local runtime across restarts', () => {
  it('stops cleanly on SIGTERM and a second start on the same data directory sees everything', async () => {
    const dataDir = newDataDir();
    const { floe: first, root, tokens } = await startWithUsers(['keep1', 'keep2'], { dataDir });
    const keep1 = tokens.keep1;
    expect(await first.stop()).toBe(0);

    const second = await startFloe({ dataDir });
    try {
      const list = await call(second.api, 'GET', '/user', { token: root });
      expect(list.status).toBe(200);
      expect(list.json.userList.map((u: { name: string }) => u.name)).toEqual(['root', 'keep1', 'keep2']);
      // The signing key lives in the data directory, so tokens survive a restart.
      expect(
        (await call(second.api, 'PUT', '/user/keep1', { token: keep1, body: { password: 'keep5678' } }))
          .status,
      ).toBe(200);
      expect(await login(second.api, 'keep1', 'keep5678')).toBeTruthy();
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('refuses a second Floe on a data directory in use, and says why', async () => {
    const dataDir = newDataDir();
    const first = await startFloe({ dataDir });
    try {
      await expect(startFloe({ dataDir })).rejects.toThrow(/exited with 1[\s\S]*in use by another Floe/);
      expect(await login(first.api, 'root', 'paddleflow')).toBeTruthy();
    } finally {
      await first.stop();
    }
    const again = await startFloe({ dataDir });
    expect(await again.stop()).toBe(0);
  });

  it('seeds root with FLOE_ROOT_PASSWORD when it is set', async () => {
    const floe = await startFloe({ env: { FLOE_ROOT_PASSWORD: 'chosen123' } });
    try {
      const wrong = await call(floe.api, 'POST', '/login', {
        body: { username: 'root', password: 'paddleflow' },
      });
      expect(wrong.json.code).toBe('AuthFailed');
      expect(await login(floe.api, 'root', 'chosen123')).toBeTruthy();
    } finally {
      await floe.stop();
    }
  });

  it('does not accept a token from another installation', async () => {
    const [a, b] = await Promise.all([startFloe(), startFloe()]);
    try {
      const tokenFromA = await login(a.api, 'root', 'paddleflow');
      const reply = await call(b.api, 'GET', '/user', { token: tokenFromA });
      expect(reply.json.code).toBe('AuthInvalidToken');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
