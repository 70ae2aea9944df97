/**
 * The one Powertools logger of every Floe function: JSON lines with `service: floe`, the Lambda context (added
 * per invocation by `observability()`), and the keys each handler appends for what it works on (`runId`,
 * `jobId`…), reset after every invocation. The level is `POWERTOOLS_LOG_LEVEL` (INFO by default; the tests
 * set SILENT, the test runtime ERROR).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from './names.ts';

export const logger = new Logger({ serviceName: SERVICE_NAME });
