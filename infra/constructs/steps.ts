import { SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { nagWildcardId, stackArn } from './nag.ts';
import type { StepNetworkSettings, StepSettings } from './settings.ts';

/** The rule Step Functions manages in the caller's account to follow ECS tasks for `.sync`. */
const ECS_SYNC_RULE = 'StepFunctionsGetEventsForECSTaskRule';
/** The header EventBridge's connection adds to every http step's request (see `httpConnection`). */
export const HTTP_CONNECTION_HEADER = 'X-Floe-Step';

const TASKS_PRINCIPAL = 'ecs-tasks.amazonaws.com';

/**
 * Where steps run in AWS: the ECS cluster container steps run on (their task definitions are registered at run
 * time, per image and size, by the mailbox consumer: shared/runtime/ecs-container-placer.ts), the network and
 * security group of their tasks, the log group they write to, the two roles every step task definition names,
 * and the EventBridge connection http steps call through. Its `grant*` methods give the engine's roles exactly
 * what placing, running and reading steps needs.
 */
export class FloeSteps extends Construct {
  /** L1: the L2 cluster makes a VPC of its own; Fargate tasks get their network from RunTask. */
  readonly cluster: ecs.CfnCluster;
  readonly clusterName: string;
  /** Every step task definition's family starts with it (`<stack>-step-`), so permissions can name them. */
  readonly familyPrefix: string;
  readonly logGroup: logs.LogGroup;
  /** What ECS uses to start a step task: pull its image, write its log. */
  readonly executionRole: iam.Role;
  /** What a step's container may do in AWS: mount the stack's file systems, nothing else. */
  readonly taskRole: iam.Role;
  /** The stack's own VPC, when the context names none. */
  readonly vpc?: ec2.Vpc;
  readonly securityGroup: ec2.CfnSecurityGroup;
  readonly subnetIds: string[];
  readonly assignPublicIp: boolean;
  /** http steps call through it: Step Functions' HTTP task needs a connection. */
  readonly httpConnection: events.Connection;
  private readonly settings: StepSettings;

  constructor(scope: Construct, id: string, settings: StepSettings) {
    super(scope, id);
    this.settings = settings;
    const stack = Stack.of(this);
    this.clusterName = `${stack.stackName}-steps`;
    this.familyPrefix = `${stack.stackName}-step-`;

    this.cluster = new ecs.CfnCluster(this, 'Cluster', {
      clusterName: this.clusterName,
      clusterSettings: [{ name: 'containerInsights', value: 'enabled' }],
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: settings.logRetention });

    const network = this.network(settings.network);
    this.vpc = network.vpc;
    this.subnetIds = network.subnetIds;
    this.assignPublicIp = network.assignPublicIp;
    this.securityGroup = new ec2.CfnSecurityGroup(this, 'SecurityGroup', {
      vpcId: network.vpcId,
      groupDescription: 'Floe step tasks: no inbound traffic; outbound to pull images and reach services',
      securityGroupEgress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0', description: 'Images, APIs, EFS' }],
    });

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal(TASKS_PRINCIPAL),
      description: 'Starts Floe step tasks: pulls their images from this account, writes their logs',
    });
    this.logGroup.grantWrite(this.executionRole);
    const repositories = 'repository/*';
    this.executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [stackArn(this, 'ecr', repositories)],
      }),
    );
    this.executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    Validations.of(this.executionRole).acknowledge({
      id: nagWildcardId('ecr', repositories),
      reason:
        "A step's image is named in its pipeline's YAML at run time, so the repositories of this account it " +
        'may come from cannot be listed in advance.',
    });
    Validations.of(this.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken, which ECR grants on every registry only (no resource-level permission).',
    });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal(TASKS_PRINCIPAL),
      description: "Floe step containers: mount the stack's file systems, nothing else",
    });
    if (settings.efsFileSystemIds.length > 0) {
      this.taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          // Root access: images mostly run as root, whom EFS squashes to nobody without it.
          actions: [
            'elasticfilesystem:ClientMount',
            'elasticfilesystem:ClientWrite',
            'elasticfilesystem:ClientRootAccess',
          ],
          resources: this.fileSystemArns(),
        }),
      );
    }

    // Step Functions' HTTP task calls only through a connection, whose credentials it adds to each request.
    // http steps bring their own authorization in their headers, so the connection's key is a marker, not
    // a secret: it tells the called service the request came from a Floe step.
    this.httpConnection = new events.Connection(this, 'HttpConnection', {
      description: 'Floe http steps',
      authorization: events.Authorization.apiKey(HTTP_CONNECTION_HEADER, SecretValue.unsafePlainText('floe')),
    });
  }

  /** The network the context names, or the stack's own: two public subnets, no NAT gateway (free at rest). */
  private network(given: StepNetworkSettings | undefined) {
    if (given) return { ...given, vpc: undefined };
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'steps', subnetType: ec2.SubnetType.PUBLIC }],
      // The default would add a custom-resource function to lock the default security group; tasks use ours.
      restrictDefaultSecurityGroup: false,
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: this.settings.logRetention });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return {
      vpc,
      vpcId: vpc.vpcId,
      subnetIds: vpc.publicSubnets.map((subnet) => subnet.subnetId),
      // Public subnets without NAT: a task needs a public address to pull its image.
      assignPublicIp: true,
    };
  }

  /** The variables the container placer reads (shared/runtime/ecs-container-placer.ts). */
  placerEnvironment(): Record<string, string> {
    return {
      FLOE_STEP_FAMILY_PREFIX: this.familyPrefix,
      FLOE_STEP_EXECUTION_ROLE_ARN: this.executionRole.roleArn,
      FLOE_STEP_TASK_ROLE_ARN: this.taskRole.roleArn,
      FLOE_STEP_LOG_GROUP: this.logGroup.logGroupName,
      FLOE_STEP_SUBNETS: this.subnetIds.join(','),
      FLOE_STEP_SECURITY_GROUPS: this.securityGroup.attrGroupId,
      FLOE_STEP_PUBLIC_IP: this.assignPublicIp ? 'ENABLED' : 'DISABLED',
      FLOE_STEP_ARCHITECTURE: this.settings.architecture,
    };
  }

  /** The variables the log reader reads (shared/runtime/cloudwatch-log-store.ts). */
  logReaderEnvironment(): Record<string, string> {
    return { FLOE_STEP_LOG_GROUP: this.logGroup.logGroupName, FLOE_STEP_CLUSTER: this.clusterName };
  }

  /**
   * Registering step task definitions and the EFS access points their volumes use: the mailbox consumer
   * places each container job before it starts the job's execution.
   */
  grantPlace(role: iam.Role) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no resource-level permission; the ' +
        'roles a definition may name are limited by iam:PassRole below.',
    });
    const families = `task-definition/${this.familyPrefix}*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:TagResource'],
        resources: [stackArn(this, 'ecs', families)],
        conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      }),
    );
    Validations.of(role).acknowledge({
      id: nagWildcardId('ecs', families),
      reason:
        "Tagging is limited to Floe's step task definition families, which are named per image and size.",
    });
    this.grantPassRoles(role);
    if (this.settings.efsFileSystemIds.length === 0) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['elasticfilesystem:CreateAccessPoint', 'elasticfilesystem:DescribeAccessPoints'],
        resources: this.fileSystemArns(),
      }),
    );
    // The placer tags the access points it makes, and waits for a new one to become available.
    const accessPoints = 'access-point/*';
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['elasticfilesystem:TagResource', 'elasticfilesystem:DescribeAccessPoints'],
        resources: [stackArn(this, 'elasticfilesystem', accessPoints)],
      }),
    );
    Validations.of(role).acknowledge({
      id: nagWildcardId('elasticfilesystem', accessPoints),
      reason:
        'Access points are made by the placer at run time, one per file system and path, so their ids cannot ' +
        "be named in advance; making them is limited to the stack's file systems.",
    });
  }

  /**
   * What the NodeMachine needs to run steps: container steps with `ecs:runTask.sync` (run the step task
   * definitions on the cluster, passing their roles; describe, list and stop the cluster's tasks; the managed
   * rule through which Step Functions follows them), lambda steps (functions named with the step prefix) and
   * http steps (Step Functions' HTTP task through the connection). A try that times out is stopped by the
   * machine's own `aws-sdk:ecs:listTasks` and `aws-sdk:ecs:stopTask` calls, authorised as ecs:ListTasks and
   * ecs:StopTask.
   */
  grantRun(role: iam.Role, stateMachineName: string) {
    const families = `task-definition/${this.familyPrefix}*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [stackArn(this, 'ecs', families)],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.attrArn } },
      }),
    );
    Validations.of(role).acknowledge({
      id: nagWildcardId('ecs', families),
      reason:
        "RunTask is limited to Floe's step task definition families (registered per image and size at run " +
        'time, so they cannot be named in advance) on the step cluster.',
    });
    const tasks = `task/${this.clusterName}/*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: [stackArn(this, 'ecs', tasks)],
      }),
    );
    Validations.of(role).acknowledge({
      id: nagWildcardId('ecs', tasks),
      reason:
        'Describing and stopping tasks is limited to the step cluster; task ids are assigned by ECS when a ' +
        'node runs, so they cannot be named in advance.',
    });
    this.grantListTasks(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stackArn(this, 'events', `rule/${ECS_SYNC_RULE}`)],
      }),
    );
    this.grantPassRoles(role);

    const functions = `function:${this.settings.lambdaFunctionPrefix}*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [stackArn(this, 'lambda', functions)],
      }),
    );
    Validations.of(role).acknowledge({
      id: nagWildcardId('lambda', functions),
      reason:
        'lambda steps name their function in the YAML; Floe may invoke only functions whose names start with ' +
        'the step prefix (context floe:lambdaFunctionPrefix).',
    });

    // The HTTP task is authorised on the state machine that makes the call, named here, not referenced: the
    // role is part of the state machine, so a reference would be circular.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:InvokeHTTPEndpoint'],
        resources: [stackArn(this, 'states', `stateMachine:${stateMachineName}`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:RetrieveConnectionCredentials'],
        resources: [this.httpConnection.connectionArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [this.httpConnection.connectionSecretArn],
      }),
    );
  }

  /** Reading step logs: the log API finds a job's task on the cluster, then reads its stream. */
  grantReadLogs(role: iam.Role) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:GetLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.grantListTasks(role);
  }

  /** ListTasks is authorised on the cluster's container instances, whatever launch type the tasks have. */
  private grantListTasks(role: iam.Role) {
    const instances = `container-instance/${this.clusterName}/*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:ListTasks'],
        resources: [stackArn(this, 'ecs', instances)],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.attrArn } },
      }),
    );
    Validations.of(role).acknowledge({
      id: nagWildcardId('ecs', instances),
      reason: 'ListTasks is limited to the step cluster, where it finds the task of a job by its startedBy.',
    });
  }

  private grantPassRoles(role: iam.Role) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.taskRole.roleArn, this.executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': TASKS_PRINCIPAL } },
      }),
    );
  }

  private fileSystemArns(): string[] {
    return this.settings.efsFileSystemIds.map((id) =>
      stackArn(this, 'elasticfilesystem', `file-system/${id}`),
    );
  }
}
