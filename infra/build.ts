import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ApiThrottle } from './constructs/api.ts';
import { DEFAULT_API_THROTTLE } from './constructs/api.ts';
import { FloeStack } from './stack.ts';

export const STACK_NAME = 'Floe';

export interface BuildAppOptions {
  /** Bundle the functions with esbuild (the default); template tests turn it off. */
  readonly bundling?: boolean;
  /** Extra context, as `cdk -c key=value` would give. */
  readonly context?: Record<string, unknown>;
}

/** Runs the cdk-nag AWS Solutions pack when the app synthesizes: an unacknowledged finding fails synth. */
export function addNagChecks(app: App) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * The CDK app: the `Floe` stack checked by cdk-nag. Context `floe:tokenTtlHours` sets the token lifetime,
 * `floe:alarmEmail` subscribes an address to the alarms, `floe:apiRateLimit` / `floe:apiBurstLimit` throttle
 * the API.
 */
export function buildApp(options: BuildAppOptions = {}) {
  const app = new App({
    context: {
      ...options.context,
      ...(options.bundling === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
  });
  const ttl = app.node.tryGetContext('floe:tokenTtlHours');
  const rootPasswordSecretArn = app.node.tryGetContext('floe:rootPasswordSecretArn');
  const alarmEmail = app.node.tryGetContext('floe:alarmEmail');
  const apiThrottle = parseApiThrottle(
    app.node.tryGetContext('floe:apiRateLimit'),
    app.node.tryGetContext('floe:apiBurstLimit'),
  );
  const stack = new FloeStack(app, STACK_NAME, {
    description: "Floe: a serverless pipeline orchestrator with PaddleFlow's REST API",
    ...(ttl === undefined ? {} : { tokenTtlHours: parseTokenTtl(ttl) }),
    ...(rootPasswordSecretArn === undefined
      ? {}
      : { rootPasswordSecretArn: parseSecretArn('rootPasswordSecretArn', rootPasswordSecretArn) }),
    ...(alarmEmail === undefined ? {} : { alarmEmail: parseEmail(alarmEmail) }),
    ...(apiThrottle === undefined ? {} : { apiThrottle }),
  });
  addNagChecks(app);
  return { app, stack };
}

function parseTokenTtl(value: unknown): number {
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours <= 0) {
    throw new Error(`context floe:tokenTtlHours must be a positive number of hours, got ${String(value)}`);
  }
  return hours;
}

const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

/** A secret's complete ARN (with the 6-character suffix Secrets Manager adds), as IAM grants need. */
function parseSecretArn(name: string, value: unknown): string {
  if (typeof value !== 'string' || !SECRET_ARN.test(value)) {
    throw new Error(
      `context floe:${name} must be a secret's complete ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>), got ${String(value)}`,
    );
  }
  return value;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function parseEmail(value: unknown): string {
  if (typeof value !== 'string' || !EMAIL.test(value)) {
    throw new Error(`context floe:alarmEmail must be an email address, got ${String(value)}`);
  }
  return value;
}

/** Either limit alone keeps the other's default; neither: the API's default throttling. */
function parseApiThrottle(rate: unknown, burst: unknown): ApiThrottle | undefined {
  if (rate === undefined && burst === undefined) return undefined;
  const rateLimit = rate === undefined ? DEFAULT_API_THROTTLE.rateLimit : Number(rate);
  const burstLimit = burst === undefined ? DEFAULT_API_THROTTLE.burstLimit : Number(burst);
  if (!Number.isFinite(rateLimit) || rateLimit <= 0) {
    throw new Error(
      `context floe:apiRateLimit must be a positive number of requests per second, got ${String(rate)}`,
    );
  }
  if (!Number.isInteger(burstLimit) || burstLimit <= 0) {
    throw new Error(
      `context floe:apiBurstLimit must be a positive whole number of requests, got ${String(burst)}`,
    );
  }
  return { rateLimit, burstLimit };
}
