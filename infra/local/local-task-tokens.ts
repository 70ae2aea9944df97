/**
 * Task tokens, locally: what Step Functions does for `.waitForTaskToken` states. Each waiting execution
 * registers its token and awaits it; the callback API resolves or fails it (through the TaskTokens port), the
 * execution's end forgets it. A token resolves once: a second answer finds nothing waiting.
 */
import { randomUUID } from 'node:crypto';
import type { CallbackResolution } from '../../shared/machines/callback-states.ts';
import type { TaskTokens } from '../../shared/runtime/ports.ts';

interface Waiter {
  resolve(output: CallbackResolution): void;
  reject(error: Error): void;
}

export class LocalTaskTokens implements TaskTokens {
  private readonly waiting = new Map<string, Waiter>();

  /** A fresh token, as Step Functions gives each waiting state. */
  newToken(): string {
    return `local-${randomUUID()}`;
  }

  /** Waits for the token's answer. */
  wait(token: string): Promise<CallbackResolution> {
    return new Promise((resolve, reject) => this.waiting.set(token, { resolve, reject }));
  }

  /** The execution ended (it was answered, timed out or stopped): nothing waits on the token any more. */
  forget(token: string): void {
    this.waiting.delete(token);
  }

  async succeed(token: string, output: CallbackResolution): Promise<boolean> {
    const waiter = this.take(token);
    waiter?.resolve(output);
    return waiter !== undefined;
  }

  async fail(token: string, error: string, cause: string): Promise<boolean> {
    const waiter = this.take(token);
    // The interpreter's Catch reads a thrown error's name as `Error` and its message as `Cause`.
    const failure = new Error(cause);
    failure.name = error;
    waiter?.reject(failure);
    return waiter !== undefined;
  }

  /** How many executions wait (diagnostics and tests). */
  get size(): number {
    return this.waiting.size;
  }

  private take(token: string): Waiter | undefined {
    const waiter = this.waiting.get(token);
    this.waiting.delete(token);
    return waiter;
  }
}
