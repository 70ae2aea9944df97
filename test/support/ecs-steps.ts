/**
 * ECS as the container placer meets it in unit tests, through aws-sdk-client-mock: the step settings the CDK
 * stack gives the mailbox consumer, and ECS's answers about task definitions.
 */
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinitionStatus,
} from '@aws-sdk/client-ecs';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { vi } from 'vitest';

export const ACCOUNT = '111122223333';

/** The placer's settings (shared/runtime/step-config.ts), as the stack sets them. */
export const STEP_ENV = {
  AWS_REGION: 'eu-west-1',
  FLOE_STEP_FAMILY_PREFIX: 'floe-step-',
  FLOE_STEP_EXECUTION_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/Floe-StepExecutionRole`,
  FLOE_STEP_TASK_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/Floe-StepTaskRole`,
  FLOE_STEP_LOG_GROUP: '/floe/steps',
  FLOE_STEP_SUBNETS: 'subnet-0a1, subnet-0b2',
  FLOE_STEP_SECURITY_GROUPS: 'sg-0c3',
  FLOE_STEP_PUBLIC_IP: 'DISABLED',
  FLOE_STEP_ARCHITECTURE: '',
};

/** Stubs STEP_ENV (undone by vi.unstubAllEnvs). */
export function stubStepEnv(): void {
  for (const [name, value] of Object.entries(STEP_ENV)) vi.stubEnv(name, value);
}

/** What an AWS service error carries besides its message. */
export const metadata = { $metadata: { httpStatusCode: 400, requestId: 'r-1' } };

/** The task definition as ECS describes it (DescribeTaskDefinition / RegisterTaskDefinition's `taskDefinition`). */
export const described = (family: string, revision: number, status: TaskDefinitionStatus = 'ACTIVE') => ({
  taskDefinitionArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${family}:${revision}`,
  family,
  revision,
  status,
  networkMode: 'awsvpc' as const,
  requiresCompatibilities: ['FARGATE' as const],
  compatibilities: ['EC2' as const, 'FARGATE' as const],
  cpu: '256',
  memory: '512',
  registeredAt: new Date('2026-11-22T10:00:00.000Z'),
  registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/Floe-Engine/floe-engine`,
});

/** How ECS answers DescribeTaskDefinition for a family it has never seen. */
export const missingFamily = () =>
  new ClientException({ message: 'Unable to describe task definition.', ...metadata });

/** Register answers with the family it was asked for, revision 1. */
export function registerAnswersRevision1(ecs: AwsClientStub<ECSClient>): void {
  ecs.on(RegisterTaskDefinitionCommand).callsFake((input: RegisterTaskDefinitionCommandInput) => ({
    taskDefinition: described(input.family!, 1),
    tags: input.tags,
  }));
}

/** ECS knows no family yet: each is registered, revision 1. */
export function noFamilyYet(ecs: AwsClientStub<ECSClient>): void {
  ecs.on(DescribeTaskDefinitionCommand).rejects(missingFamily());
  registerAnswersRevision1(ecs);
}

/** The RegisterTaskDefinition requests made, in order. */
export const registered = (ecs: AwsClientStub<ECSClient>) =>
  ecs.commandCalls(RegisterTaskDefinitionCommand).map((call) => call.args[0].input);
