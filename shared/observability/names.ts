/**
 * The names Floe's telemetry goes by, shared by the handlers (Powertools) and the CDK stack (environment,
 * alarms), and free of Powertools so that the stack can import them.
 */

/** Powertools' `service`: the logs' `service` key and the metrics' `service` dimension. */
export const SERVICE_NAME = 'floe';

/** The CloudWatch namespace of Floe's own metrics. */
export const METRICS_NAMESPACE = 'Floe';

/** Floe's own metrics (namespace `Floe`, dimension `service`, plus those named here). */
export const METRIC = {
  /** Count: a run began (a pass gave it its `activateTime`). */
  runsStarted: 'RunsStarted',
  /** Count, dimension `status` (succeeded, failed, terminated, skipped): a run reached a final status. */
  runsFinished: 'RunsFinished',
  /** Milliseconds from the pass that dispatched a node to the dispatcher's acceptance of its execution. */
  nodeDispatchLatency: 'NodeDispatchLatency',
} as const;

/** The dimension `RunsFinished` is split by. */
export const STATUS_DIMENSION = 'status';

/**
 * Whether this process is a Lambda function (the runtime sets `AWS_EXECUTION_ENV`, as Powertools' Tracer
 * checks); the local runtime and the tests are not.
 */
export const inLambda = (env: NodeJS.ProcessEnv = process.env): boolean => Boolean(env.AWS_EXECUTION_ENV);

/** Whether to trace: in Lambda, unless `POWERTOOLS_TRACE_ENABLED` is `false` (Powertools' own reading of it). */
export const tracingWanted = (env: NodeJS.ProcessEnv = process.env): boolean =>
  inLambda(env) && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
