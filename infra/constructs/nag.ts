/** ARNs in the stack's own account and region, and cdk-nag's name for a wildcard one. */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** An ARN in this stack's account and region, e.g. `('ecs', 'task/x/*')`. */
export const stackArn = (scope: IConstruct, service: string, resource: string): string =>
  Stack.of(scope).formatArn({ service, resource, arnFormat: ArnFormat.NO_RESOURCE_NAME });

/** cdk-nag's id for a wildcard resource in this account and region (`resource` as in the ARN). */
export const nagWildcardId = (service: string, resource: string) =>
  `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}]`;
