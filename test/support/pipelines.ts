/** HTTP helpers for the pipeline API tests: a running Floe with users, and the calls the tests repeat. */
import { expect } from 'vitest';
import { call, type FloeProcess, type Reply } from './floe-process.ts';

/** A small pipeline that PaddleFlow's full validator accepts too. */
export const yamlOf = (name: string, command = 'echo hello') =>
  `name: ${name}\ndocker_env: python:3.9\nentry_points:\n  main:\n    command: ${command}\n`;

export const base64 = (text: string) => Buffer.from(text).toString('base64');

/** PaddleFlow's time format. */
export const TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/** Calls to the Floe that `floe()` returns when a test runs (it is started in a beforeAll). */
export function pipelineClient(floe: () => FloeProcess) {
  const post = (token: string, body: unknown, path = '/pipeline') =>
    call(floe().api, 'POST', path, { token, body });
  const get = (token: string, path: string) => call(floe().api, 'GET', path, { token });
  const del = (token: string, path: string) => call(floe().api, 'DELETE', path, { token });

  async function create(token: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const reply = await post(token, { yamlRaw: base64(yamlOf(name)), ...extra });
    expect(reply.status, reply.text).toBe(201);
    return reply.json.pipelineID as string;
  }

  async function update(
    token: string,
    id: string,
    name: string,
    command: string,
    desc = '',
  ): Promise<string> {
    const reply = await post(token, { yamlRaw: base64(yamlOf(name, command)), desc }, `/pipeline/${id}`);
    expect(reply.status, reply.text).toBe(201);
    return reply.json.pipelineVersionID as string;
  }

  /** The ids on every page of a list, checking each envelope: no empty page is ever promised. */
  async function walk(token: string, path: string, listOf: (json: Reply['json']) => Reply['json']) {
    const pages: string[][] = [];
    let marker: string | undefined;
    for (;;) {
      const separator = path.includes('?') ? '&' : '?';
      const reply = await get(
        token,
        `${path}${marker ? `${separator}marker=${encodeURIComponent(marker)}` : ''}`,
      );
      expect(reply.status, reply.text).toBe(200);
      const envelope = listOf(reply.json);
      const ids = envelope[Object.keys(envelope).find((key) => key.endsWith('List'))!].map(
        (row: Record<string, string>) => row.pipelineVersionID ?? row.pipelineID,
      );
      pages.push(ids);
      if (!envelope.isTruncated) {
        expect(envelope).not.toHaveProperty('nextMarker');
        return pages;
      }
      expect(ids.length).toBe(envelope.maxKeys);
      marker = envelope.nextMarker;
    }
  }

  return {
    post,
    get,
    del,
    create,
    update,
    pipelinePages: (token: string, query: string) => walk(token, `/pipeline?${query}`, (json) => json),
    versionPages: (token: string, id: string, query = '') =>
      walk(token, `/pipeline/${id}?${query}`, (json) => json.pplVersions),
  };
}
