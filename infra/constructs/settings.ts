/**
 * The few deploy-time choices, read from CDK context (`cdk deploy -c floe:<name>=<value>`), each checked so
 * that a typo fails synth with the name of the setting instead of deploying something else.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ApiThrottle } from './api.ts';

/** The network of step tasks: the context's VPC and subnets (e.g. the default VPC's), or the stack's own. */
export interface StepNetworkSettings {
  readonly vpcId: string;
  readonly subnetIds: string[];
  /** Whether tasks get a public address: needed in public subnets (no NAT) to pull their images. */
  readonly assignPublicIp: boolean;
}

export interface StepSettings {
  readonly network?: StepNetworkSettings;
  /** EFS file systems steps may mount (`efs://<id>/<path>`): the step task role may mount these only. */
  readonly efsFileSystemIds: string[];
  /** lambda steps may invoke functions whose names start with it. */
  readonly lambdaFunctionPrefix: string;
  /** The CPU architecture step images are built for. */
  readonly architecture: 'X86_64' | 'ARM64';
  readonly logRetention: logs.RetentionDays;
}

export const DEFAULT_LAMBDA_FUNCTION_PREFIX = 'floe-step-';
export const DEFAULT_LOG_RETENTION_DAYS = 30;

const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const FILE_SYSTEM_ID = /^fs-[0-9a-f]{8,17}$/;
const FUNCTION_PREFIX = /^[A-Za-z0-9_-]{1,40}$/;

const fail = (name: string, value: unknown, expected: string): never => {
  throw new Error(`context floe:${name} is ${JSON.stringify(value)}; ${expected}`);
};

/** A context value as text: `-c` gives strings, `cdk.json` may give numbers, booleans or lists. */
function contextText(scope: Construct, name: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(`floe:${name}`);
  if (value === undefined || value === null || value === '') return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

function idList(scope: Construct, name: string, pattern: RegExp, example: string): string[] {
  const text = contextText(scope, name);
  if (text === undefined) return [];
  const ids = text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  for (const id of ids)
    if (!pattern.test(id)) fail(name, id, `expected ids like ${example}, comma-separated`);
  return ids;
}

function flag(scope: Construct, name: string, fallback: boolean): boolean {
  const text = contextText(scope, name);
  if (text === undefined) return fallback;
  if (text !== 'true' && text !== 'false') fail(name, text, 'expected true or false');
  return text === 'true';
}

/** Days to keep every log group of the stack: `floe:logRetentionDays`, one of CloudWatch's periods. */
export function logRetentionOf(scope: Construct): logs.RetentionDays {
  const text = contextText(scope, 'logRetentionDays');
  if (text === undefined) return DEFAULT_LOG_RETENTION_DAYS as logs.RetentionDays;
  const days = Number(text);
  const allowed = Object.values(logs.RetentionDays).filter(
    (value): value is number => typeof value === 'number',
  );
  if (!allowed.includes(days)) fail('logRetentionDays', text, `expected one of ${allowed.join(', ')}`);
  return days as logs.RetentionDays;
}

export function stepSettingsOf(scope: Construct): StepSettings {
  const vpcIds = idList(scope, 'vpcId', VPC_ID, 'vpc-0123456789abcdef0');
  const subnetIds = idList(scope, 'subnetIds', SUBNET_ID, 'subnet-0123456789abcdef0');
  if (vpcIds.length > 1) fail('vpcId', vpcIds.join(','), 'expected one VPC id');
  if ((vpcIds.length === 0) !== (subnetIds.length === 0))
    fail(
      vpcIds.length === 0 ? 'subnetIds' : 'vpcId',
      vpcIds[0] ?? subnetIds.join(','),
      'floe:vpcId and floe:subnetIds go together',
    );
  const network =
    vpcIds[0] === undefined
      ? undefined
      : { vpcId: vpcIds[0], subnetIds, assignPublicIp: flag(scope, 'assignPublicIp', true) };
  const prefix = contextText(scope, 'lambdaFunctionPrefix') ?? DEFAULT_LAMBDA_FUNCTION_PREFIX;
  if (!FUNCTION_PREFIX.test(prefix))
    fail('lambdaFunctionPrefix', prefix, 'expected 1 to 40 letters, digits, hyphens or underscores');
  const architecture = contextText(scope, 'stepArchitecture') ?? 'X86_64';
  if (architecture !== 'X86_64' && architecture !== 'ARM64')
    fail('stepArchitecture', architecture, 'expected X86_64 or ARM64');
  return {
    ...(network ? { network } : {}),
    efsFileSystemIds: idList(scope, 'efsFileSystemIds', FILE_SYSTEM_ID, 'fs-0123456789abcdef0'),
    lambdaFunctionPrefix: prefix,
    architecture: architecture as StepSettings['architecture'],
    logRetention: logRetentionOf(scope),
  };
}

/** The stack's own settings (the steps' are `stepSettingsOf`'s), each only when the context gives it. */
export interface StackSettings {
  /** `floe:tokenTtlHours`: the login token lifetime (PaddleFlow's tokens never expire). */
  tokenTtlHours?: number;
  /** `floe:rootPasswordSecretArn`: root's first password from a secret of yours. */
  rootPasswordSecretArn?: string;
  /** `floe:alarmEmail`: an address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** `floe:apiRateLimit` / `floe:apiBurstLimit`: either alone keeps the other's default. */
  apiThrottle?: Partial<ApiThrottle>;
}

const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The setting's value checked by `accept`, or undefined when the context does not give it. */
function setting<T>(
  scope: Construct,
  name: string,
  accept: (text: string) => T | undefined,
  expected: string,
) {
  const text = contextText(scope, name);
  if (text === undefined) return undefined;
  const value = accept(text);
  if (value === undefined) throw new Error(`context floe:${name} must be ${expected}, got ${text}`);
  return value;
}

const positive = (text: string) =>
  Number(text) > 0 && Number.isFinite(Number(text)) ? Number(text) : undefined;
const positiveWhole = (text: string) => (Number.isInteger(Number(text)) ? positive(text) : undefined);

export function stackSettingsOf(scope: Construct): StackSettings {
  const settings: StackSettings = {};
  const ttl = setting(scope, 'tokenTtlHours', positive, 'a positive number of hours');
  if (ttl !== undefined) settings.tokenTtlHours = ttl;
  const secretArn = setting(
    scope,
    'rootPasswordSecretArn',
    (text) => (SECRET_ARN.test(text) ? text : undefined),
    "a secret's complete ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)",
  );
  if (secretArn !== undefined) settings.rootPasswordSecretArn = secretArn;
  const email = setting(
    scope,
    'alarmEmail',
    (text) => (EMAIL.test(text) ? text : undefined),
    'an email address',
  );
  if (email !== undefined) settings.alarmEmail = email;
  const rateLimit = setting(scope, 'apiRateLimit', positive, 'a positive number of requests per second');
  const burstLimit = setting(scope, 'apiBurstLimit', positiveWhole, 'a positive whole number of requests');
  if (rateLimit !== undefined || burstLimit !== undefined)
    settings.apiThrottle = {
      ...(rateLimit === undefined ? {} : { rateLimit }),
      ...(burstLimit === undefined ? {} : { burstLimit }),
    };
  return settings;
}
