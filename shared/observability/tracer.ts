/**
 * X-Ray through Powertools' Tracer, in Lambda only. Loading the X-Ray SDK turns on an async hook for the whole
 * process (cls-hooked), which made promise-heavy code about 15 times slower in a micro-benchmark, so the local
 * runtime and the tests never load it (the import below is not evaluated), nor does a function deployed with
 * `POWERTOOLS_TRACE_ENABLED=false`.
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME, tracingWanted } from './names.ts';

export const tracer: Tracer | undefined = tracingWanted()
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: SERVICE_NAME })
  : undefined;

/** An AWS SDK v3 client whose calls are X-Ray subsegments in Lambda; outside Lambda, the client as it is. */
export const traced = <Client>(client: Client): Client =>
  tracer ? tracer.captureAWSv3Client(client) : client;
