/** Where and as what step tasks run in AWS: the variables the CDK stack sets on the mailbox consumer. */
import { splitCommaList } from '../engine/comma-list.ts';
import { requiredEnv as required } from './env.ts';

/** What placement reads from the environment (once, at first use). */
export interface StepConfig {
  familyPrefix: string;
  architecture: 'X86_64' | 'ARM64';
  executionRoleArn: string;
  taskRoleArn: string;
  logGroup: string;
  region: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
}

function oneOf<T extends string>(name: string, allowed: readonly T[], absent: T): T {
  const value = process.env[name] || absent;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, not "${value}"`);
  }
  return value as T;
}

export function stepConfigFromEnv(): StepConfig {
  const subnets = splitCommaList(process.env.FLOE_STEP_SUBNETS);
  if (subnets.length === 0) throw new Error('FLOE_STEP_SUBNETS is not set');
  return {
    familyPrefix: process.env.FLOE_STEP_FAMILY_PREFIX || 'floe-step-',
    // Most images on public registries are amd64 only.
    architecture: oneOf('FLOE_STEP_ARCHITECTURE', ['X86_64', 'ARM64'], 'X86_64'),
    executionRoleArn: required('FLOE_STEP_EXECUTION_ROLE_ARN'),
    taskRoleArn: required('FLOE_STEP_TASK_ROLE_ARN'),
    logGroup: required('FLOE_STEP_LOG_GROUP'),
    region: required('AWS_REGION'),
    subnets,
    // Empty: ECS uses the VPC's default security group.
    securityGroups: splitCommaList(process.env.FLOE_STEP_SECURITY_GROUPS),
    assignPublicIp: oneOf('FLOE_STEP_PUBLIC_IP', ['ENABLED', 'DISABLED'], 'DISABLED'),
  };
}
