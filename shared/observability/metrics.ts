/**
 * Floe's metrics, through Powertools: one `Metrics` per container (namespace `Floe`, dimension `service`),
 * flushed as CloudWatch EMF lines at the end of every invocation by `observability()`. The run engine knows
 * nothing of Powertools: it tells a `RunObserver`, and `PowertoolsRunMetrics` is that observer in AWS.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { JobSpec, RunStatus } from '../engine/run/model.ts';
import type { RunObserver } from '../services/run-engine.ts';
import { logger } from './logger.ts';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME, STATUS_DIMENSION } from './names.ts';

type MetricsLogger = NonNullable<NonNullable<ConstructorParameters<typeof Metrics>[0]>['logger']>;

/** What Powertools warns when an invocation recorded no metric: most invocations (every HTTP one) record none. */
const NO_METRICS_WARNING = 'No application metrics to publish';

/** Powertools' own warnings about metrics, as Floe log lines, but for the one most invocations would write. */
const metricsLogger: MetricsLogger = {
  debug: (message: string) => logger.debug(message),
  info: (message: string) => logger.info(message),
  warn: (message: string) => {
    if (!message.startsWith(NO_METRICS_WARNING)) logger.warn(message);
  },
  error: (message: string) => logger.error(message),
};

/** A `Metrics` as Floe's functions use it; `metrics` is the container's. */
export const floeMetrics = () =>
  new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, logger: metricsLogger });

export const metrics = floeMetrics();

/**
 * The engine's facts as metrics: `RunsStarted` (count), `RunsFinished` (count, by `status`: its own EMF line,
 * since the other metrics of the invocation have no such dimension) and `NodeDispatchLatency` (ms).
 */
export class PowertoolsRunMetrics implements RunObserver {
  constructor(private readonly target: Metrics = metrics) {}

  runStarted(): void {
    this.target.addMetric(METRIC.runsStarted, MetricUnit.Count, 1);
  }

  runFinished(_runId: string, status: RunStatus): void {
    const single = this.target.singleMetric();
    single.addDimension(STATUS_DIMENSION, status);
    single.addMetric(METRIC.runsFinished, MetricUnit.Count, 1);
  }

  nodeDispatched(_job: JobSpec, latencyMs: number): void {
    this.target.addMetric(METRIC.nodeDispatchLatency, MetricUnit.Milliseconds, latencyMs);
  }
}
