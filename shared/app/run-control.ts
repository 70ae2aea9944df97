/** Operators' actions on runs and nodes (see core.ts). */

import { mailboxFromEnv } from '../runtime/mailbox-from-env.ts';
import { taskTokensFromEnv } from '../runtime/task-tokens-from-env.ts';
import { NodeCallbackService } from '../services/node-callback.ts';
import { RunControlService } from '../services/run-control.ts';
import { AttemptRepository } from '../store/attempts.ts';
import { RunRepository } from '../store/runs.ts';
import { getTable } from './core.ts';

let control: RunControlService | undefined;

export const runControlService = () =>
  (control ??= new RunControlService({
    runs: new RunRepository(getTable()),
    attempts: new AttemptRepository(getTable()),
    mailbox: mailboxFromEnv(),
  }));

let callbacks: NodeCallbackService | undefined;

export const nodeCallbackService = () =>
  (callbacks ??= new NodeCallbackService({
    runs: new RunRepository(getTable()),
    tokens: taskTokensFromEnv(),
  }));
