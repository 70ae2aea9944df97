/** `npm start`, `npm run bench` and the tests start the local runtime with the same heap flags. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCAL_RUNTIME_NODE_FLAGS } from '../../infra/local/config.ts';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts;

describe('the local runtime’s heap flags', () => {
  it.each(['start', 'bench'])('are on the node command of npm run %s', (name) => {
    const words = scripts[name]!.split(/\s+/);
    expect(words[0]).toBe('node');
    for (const flag of LOCAL_RUNTIME_NODE_FLAGS) expect(words).toContain(flag);
  });
});
