/** cdk-nag's id for a wildcard resource in this account and region (`resource` as in the ARN). */
export const nagWildcardId = (service: string, resource: string) =>
  `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}]`;
