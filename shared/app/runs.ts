/** Runs (see core.ts). */

import { eventBusFromEnv } from '../runtime/event-bus-from-env.ts';
import { localRunFiles } from '../runtime/local-run-files.ts';
import { mailboxFromEnv } from '../runtime/mailbox-from-env.ts';
import { RunService } from '../services/runs.ts';
import { RunRepository } from '../store/runs.ts';
import { ScheduleRepository } from '../store/schedules.ts';
import { getTable } from './core.ts';
import { fileSystemService } from './filesystems.ts';
import { pipelineService } from './pipelines.ts';

let runs: RunService | undefined;

export const runService = () =>
  (runs ??= new RunService({
    runs: new RunRepository(getTable()),
    files: fileSystemService(),
    pipelines: pipelineService(),
    mailbox: mailboxFromEnv(),
    runFiles: localRunFiles,
    events: eventBusFromEnv(),
    schedules: new ScheduleRepository(getTable()),
  }));
