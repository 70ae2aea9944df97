/**
 * What the executor of container steps can run, which run creation checks every run against: which file
 * systems a step can mount, and how a flavour becomes a size. Chosen by `FLOE_EXECUTOR`, read on every call:
 *
 * - `fargate` (set by the CDK stack on every function that creates runs): steps are ECS Fargate tasks. They
 *   mount `efs://` file systems, and only those whose EFS file system id is in `FLOE_EFS_FILE_SYSTEMS` (a
 *   comma list: the stack grants the step task role access to exactly those). A flavour becomes the
 *   smallest Fargate task size at or above it; one Fargate cannot serve (GPUs, over 16 vCPU or 120 GB) is
 *   refused.
 *   lambda steps must name a `function` whose name starts with `FLOE_LAMBDA_FUNCTION_PREFIX` (the functions
 *   the NodeMachine may invoke), http steps an https:// url.
 * - anything else, or unset (`npm start`): steps are local processes. They mount `local://` file systems
 *   only, and have no size; lambda steps must name a `module`.
 */
import { splitCommaList } from '../engine/comma-list.ts';
import { type FargateSizing, type FlavourResources, fargateSizeOf } from '../engine/run/fargate-size.ts';
import type { StepSpec } from '../engine/spec/model.ts';
import type { FileSystemRecord } from '../store/filesystems.ts';

/** What a mount check needs of a file system (an efs fs's server address is its EFS file system id). */
export type MountableFs = Pick<FileSystemRecord, 'name' | 'type' | 'serverAddress'>;

export interface ExecutorProfile {
  kind: 'local' | 'fargate';
  /** Why steps here cannot mount `fs`, naming it, its type and what they can mount; undefined when they can. */
  mountRefusal(fs: MountableFs): string | undefined;
  /** The size a flavour's steps run with, or why none serves; absent when steps have no size (local). */
  sizeOf?: (flavour: FlavourResources) => FargateSizing;
  /** Why a lambda or http step cannot be called here, naming the step and the field; undefined when it can. */
  callRefusal(step: CallStep): string | undefined;
}

export type CallStep = Pick<StepSpec, 'path' | 'lambda' | 'http'>;

/** The step prefix the CDK stack's default lets the NodeMachine invoke (context floe:lambdaFunctionPrefix). */
const DEFAULT_FUNCTION_PREFIX = 'floe-step-';

/** A function's name from what `FunctionName` takes: a name, `<account>:function:<name>` or a full ARN. */
export function functionNameOf(reference: string): string {
  const parts = reference.split(':');
  const at = parts.indexOf('function');
  // `name:alias` names a version of `name`; an ARN's name follows `function`.
  return at >= 0 ? (parts[at + 1] ?? '') : parts[0]!;
}

const localCallRefusal = ({ path, lambda }: CallStep) =>
  lambda && !lambda.module
    ? `step[${path}] is a lambda step without [lambda.module]: the local runtime runs a module's handler (AWS invokes lambda.function)`
    : undefined;

function awsCallRefusal({ path, lambda, http }: CallStep, functionPrefix: string): string | undefined {
  if (lambda) {
    if (!lambda.function)
      return `step[${path}] is a lambda step without [lambda.function]: in AWS Floe invokes a Lambda function (lambda.module runs locally only)`;
    const name = functionNameOf(lambda.function);
    if (!name.startsWith(functionPrefix))
      return `[lambda.function] of step[${path}] is [${lambda.function}]; lambda steps here may invoke only functions whose names start with [${functionPrefix}]`;
  }
  // A url that starts with a template is only known at run time; the step fails then if it is not HTTPS.
  if (http?.url.startsWith('http://'))
    return `[http.url] of step[${path}] is [${http.url}]; in AWS http steps call https:// endpoints only (Step Functions' HTTP task)`;
  return undefined;
}

const local: ExecutorProfile = {
  kind: 'local',
  mountRefusal: (fs) =>
    fs.type === 'local'
      ? undefined
      : `fs[${fs.name}] is a ${fs.type} file system; steps here can only mount local:// file systems`,
  callRefusal: localCallRefusal,
};

function fargate(efsFileSystems: readonly string[], functionPrefix: string): ExecutorProfile {
  const allowed =
    efsFileSystems.length > 0
      ? `they can only mount efs:// file systems of [${efsFileSystems.join(', ')}]`
      : 'no efs:// file system is configured for them here';
  return {
    kind: 'fargate',
    mountRefusal(fs) {
      if (fs.type !== 'efs')
        return `fs[${fs.name}] is a ${fs.type} file system; steps run on Fargate here, and ${allowed}`;
      if (efsFileSystems.includes(fs.serverAddress)) return undefined;
      return `fs[${fs.name}] is an efs file system of ${fs.serverAddress}, which steps on Fargate here cannot mount; ${allowed}`;
    },
    sizeOf: fargateSizeOf,
    callRefusal: (step) => awsCallRefusal(step, functionPrefix),
  };
}

/** The profile the environment chooses (read now: tests and the local runtime may change it). */
export function executorProfile(env: NodeJS.ProcessEnv = process.env): ExecutorProfile {
  if (env.FLOE_EXECUTOR?.trim() !== 'fargate') return local;
  const prefix = env.FLOE_LAMBDA_FUNCTION_PREFIX?.trim() || DEFAULT_FUNCTION_PREFIX;
  return fargate(splitCommaList(env.FLOE_EFS_FILE_SYSTEMS), prefix);
}
