import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSandbox } from '../../../infra/local/executor/find-sandbox.ts';

describe('finding a sandbox', () => {
  it('finds the installed bubblewrap and checks that it runs', async () => {
    const probe = await findSandbox();
    expect(probe).toEqual({ ok: true, bwrap: expect.stringMatching(/\/bwrap$/) });
  });

  it('says how to install bubblewrap when it is not on the PATH', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'floe-nobwrap-'));
    const probe = await findSandbox(empty);
    expect(probe.ok).toBe(false);
    if (!probe.ok) {
      expect(probe.reason).toMatch(/^no sandbox: bubblewrap \(bwrap\) is not installed/);
      expect(probe.reason).toContain('sh scripts/setup-sandbox.sh');
      expect(probe.reason).toContain('apt-get install bubblewrap');
    }
  });

  it('says why when bubblewrap is there but cannot make a sandbox', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-badbwrap-'));
    const fake = join(dir, 'bwrap');
    writeFileSync(fake, '#!/bin/sh\necho "bwrap: No permissions to creating new namespace" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    const probe = await findSandbox(dir);
    expect(probe.ok).toBe(false);
    if (!probe.ok) {
      expect(probe.reason).toContain(`bubblewrap (${fake}) does not work here`);
      expect(probe.reason).toContain('No permissions to creating new namespace');
    }
  });

  it('checks once per PATH', () => {
    const path = mkdtempSync(join(tmpdir(), 'floe-cache-'));
    expect(findSandbox(path)).toBe(findSandbox(path));
  });
});
