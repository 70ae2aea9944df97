import { describe, expect, it } from 'vitest';
import { created, empty, ok } from '../../shared/http/response.ts';

describe('success responses', () => {
  it('are 200 or 201 JSON, and empty ones have no body', () => {
    expect(ok({ a: 1 })).toEqual({ statusCode: 200, body: '{"a":1}' });
    expect(created({ runID: 'run-000001' }).statusCode).toBe(201);
    expect(empty()).toEqual({ statusCode: 200, body: '' });
  });

  it("never carry a top-level message key, which PaddleFlow's SDK reads as failure", () => {
    expect(() => ok({ message: 'done' })).toThrow(/message/);
    expect(() => created({ id: 'x', message: '' })).toThrow(/message/);
    expect(ok({ nested: { message: 'fine' } }).statusCode).toBe(200);
  });
});
