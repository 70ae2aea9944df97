/** The runs' consumer in AWS (see core.ts): Step Functions dispatches, SQS carries the events. */
import { logger } from '../observability/logger.ts';
import { PowertoolsRunMetrics } from '../observability/metrics.ts';
import { AwsDispatcher } from '../runtime/aws-dispatcher.ts';
import { eventBusFromEnv } from '../runtime/event-bus-from-env.ts';
import { SqsMailbox } from '../runtime/sqs-mailbox.ts';
import { type ArtifactReader, RunEngine } from '../services/run-engine.ts';
import { ArtifactEventRepository } from '../store/artifact-events.ts';
import { AttemptRepository } from '../store/attempts.ts';
import { RunRepository } from '../store/runs.ts';
import { getTable } from './core.ts';

/**
 * Conditions and loop arguments that read artifact files need the run's file system; in AWS that is the EFS
 * support of the AWS executors' issue. Until then such a node fails with this reason instead of guessing.
 */
const noArtifactFiles: ArtifactReader = {
  async read() {
    return { contents: {}, error: 'reading artifact files is not available in this deployment yet' };
  },
};

let engine: RunEngine | undefined;

export function runEngine(): RunEngine {
  engine ??= new RunEngine({
    runs: new RunRepository(getTable()),
    attempts: new AttemptRepository(getTable()),
    artifactEvents: new ArtifactEventRepository(getTable()),
    dispatcher: new AwsDispatcher(),
    mailbox: new SqsMailbox(),
    artifacts: noArtifactFiles,
    events: eventBusFromEnv(),
    // Runs started and finished, and dispatch latency, as Powertools metrics; lines through its logger.
    observer: new PowertoolsRunMetrics(),
    log: logger,
  });
  return engine;
}
