import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build.ts';
import { DEFAULT_LAMBDA_FUNCTION_PREFIX } from '../../infra/constructs/settings.ts';
import { HTTP_CONNECTION_HEADER } from '../../infra/constructs/steps.ts';
import { nodeMachineDefinition } from '../../shared/machines/node-machine.ts';
import { allStates } from '../support/asl.ts';
import { asList, type Json, referencedIds, SynthesizedStack } from './template-support.ts';

const FILE_SYSTEMS = ['fs-0123456789abcdef0', 'fs-89abcdef'];
/** Their ARNs, as the template's policies name them (see arnText). */
const FILE_SYSTEM_ARNS = FILE_SYSTEMS.map(
  (id) => `arn:<AWS::Partition>:elasticfilesystem:<AWS::Region>:<AWS::AccountId>:file-system/${id}`,
);
const ROOT_PASSWORD_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:floe/root-AbCdEf';
const NETWORK = {
  'floe:vpcId': 'vpc-0a1b2c3d4e5f60718',
  'floe:subnetIds': 'subnet-0a1b2c3d4e5f60718, subnet-11112222',
};

let plain: SynthesizedStack;
let configured: SynthesizedStack;

beforeAll(() => {
  plain = new SynthesizedStack();
  configured = new SynthesizedStack({
    context: {
      ...NETWORK,
      'floe:assignPublicIp': 'false',
      'floe:efsFileSystemIds': FILE_SYSTEMS.join(','),
      'floe:lambdaFunctionPrefix': 'team-a-',
      'floe:logRetentionDays': '7',
      'floe:stepArchitecture': 'ARM64',
      'floe:rootPasswordSecretArn': ROOT_PASSWORD_SECRET_ARN,
    },
  });
});

/** The ARN text of a resource: joined `Fn::Join` parts, with pseudo parameters shown as `<AWS::X>`. */
const arnText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const object = value as Json;
  if (typeof object.Ref === 'string') return `<${object.Ref}>`;
  const join = object['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(arnText).join(join[0]);
  return JSON.stringify(value);
};
const resourcesOf = (synth: SynthesizedStack, role: IConstruct, action: string) =>
  synth.withAction(role, action).flatMap((statement) => asList(statement.Resource).map(arnText));

describe('the network of step tasks', () => {
  it("is the stack's own VPC by default: public subnets in two zones, no NAT gateway, rejected traffic logged", () => {
    const { template, stack } = plain;
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(stack.steps.vpc!.publicSubnets).toHaveLength(2);
    expect(stack.steps.vpc!.privateSubnets).toHaveLength(0);
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'REJECT',
      LogDestinationType: 'cloud-watch-logs',
    });
    const env = plain.env(stack.engine.mailboxConsumer.function);
    expect(env.FLOE_STEP_PUBLIC_IP).toBe('ENABLED');
    expect(referencedIds(env.FLOE_STEP_SUBNETS).sort()).toEqual(
      stack.steps.vpc!.publicSubnets.map((subnet) => plain.logicalId(subnet.node.defaultChild!)).sort(),
    );
  });

  it('is the VPC and subnets the context names, with no VPC of its own', () => {
    const { template, stack } = configured;
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    expect(configured.props(stack.steps.securityGroup).VpcId).toBe(NETWORK['floe:vpcId']);
    const env = configured.env(stack.engine.mailboxConsumer.function);
    expect(env.FLOE_STEP_SUBNETS).toBe('subnet-0a1b2c3d4e5f60718,subnet-11112222');
    expect(env.FLOE_STEP_PUBLIC_IP).toBe('DISABLED');
  });

  it('gives tasks a security group that lets nothing in and everything out, and outputs it', () => {
    for (const synth of [plain, configured]) {
      const group = synth.props(synth.stack.steps.securityGroup);
      expect(group.SecurityGroupIngress).toBeUndefined();
      expect(group.SecurityGroupEgress).toEqual([
        expect.objectContaining({ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }),
      ]);
      synth.template.hasOutput('StepSecurityGroupId', {
        Value: { 'Fn::GetAtt': [synth.logicalId(synth.stack.steps.securityGroup), 'GroupId'] },
      });
    }
  });
});

describe('step task roles', () => {
  it('let ECS pull images of this account and write to the step log group, and nothing else', () => {
    const { stack } = plain;
    const role = stack.steps.executionRole;
    expect(plain.actionsOf(role).sort()).toEqual(
      [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetAuthorizationToken',
        'ecr:GetDownloadUrlForLayer',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ].sort(),
    );
    expect(resourcesOf(plain, role, 'ecr:BatchGetImage')).toEqual([
      'arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*',
    ]);
    expect(plain.withAction(role, 'logs:PutLogEvents').flatMap((s) => referencedIds(s.Resource))).toEqual([
      plain.logicalId(stack.steps.logGroup),
    ]);
  });

  it("let step containers do nothing in AWS but mount the context's file systems", () => {
    expect(plain.statementsOf(plain.stack.steps.taskRole)).toEqual([]);
    const role = configured.stack.steps.taskRole;
    expect(configured.actionsOf(role).sort()).toEqual([
      'elasticfilesystem:ClientMount',
      'elasticfilesystem:ClientRootAccess',
      'elasticfilesystem:ClientWrite',
    ]);
    expect(resourcesOf(configured, role, 'elasticfilesystem:ClientMount')).toEqual(FILE_SYSTEM_ARNS);
  });

  it('are the only roles the engine may pass, and only to ECS tasks', () => {
    const { stack } = plain;
    const stepRoles = [
      plain.logicalId(stack.steps.taskRole),
      plain.logicalId(stack.steps.executionRole),
    ].sort();
    const passers = plain
      .statements()
      .filter((entry) => asList(entry.statement.Action).includes('iam:PassRole'));
    expect(passers.flatMap((entry) => entry.roles).sort()).toEqual(
      [
        plain.logicalId(stack.engine.nodeMachineRole),
        plain.logicalId(stack.engine.mailboxConsumer.role),
      ].sort(),
    );
    for (const { statement } of passers) {
      expect(referencedIds(statement.Resource).sort()).toEqual(stepRoles);
      expect(statement.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
    }
  });
});

describe('the NodeMachine role', () => {
  const role = (synth: SynthesizedStack) => synth.stack.engine.nodeMachineRole;

  it('may run step task definitions on the step cluster, and list, describe and stop its tasks', () => {
    const cluster = { 'Fn::GetAtt': [plain.logicalId(plain.stack.steps.cluster), 'Arn'] };
    const [run] = plain.withAction(role(plain), 'ecs:RunTask');
    expect(arnText(run!.Resource)).toBe(
      'arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/Floe-step-*',
    );
    expect(run!.Condition).toEqual({ ArnEquals: { 'ecs:cluster': cluster } });
    for (const action of ['ecs:StopTask', 'ecs:DescribeTasks']) {
      expect(resourcesOf(plain, role(plain), action)).toEqual([
        'arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/Floe-steps/*',
      ]);
    }
    const [list] = plain.withAction(role(plain), 'ecs:ListTasks');
    expect(list!.Condition).toEqual({ ArnEquals: { 'ecs:cluster': cluster } });
    expect(resourcesOf(plain, role(plain), 'events:PutRule')).toEqual([
      'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/StepFunctionsGetEventsForECSTaskRule',
    ]);
  });

  it("may make every AWS SDK call of its definition (the IAM action is the service and the API's name)", () => {
    const calls = Object.values(allStates(nodeMachineDefinition()))
      .map((state) => /^arn:aws:states:::aws-sdk:(\w+):(\w+)$/.exec(String(state.Resource)))
      .filter((match) => match !== null)
      .map(([, service, api]) => `${service}:${api![0]!.toUpperCase()}${api!.slice(1)}`);
    expect(calls.sort()).toEqual(['ecs:ListTasks', 'ecs:StopTask']);
    const actions = plain.actionsOf(role(plain));
    for (const action of calls) expect(actions).toContain(action);
  });

  it('may invoke the cache check and the functions named with the step prefix, and no other', () => {
    const cacheCheck = { 'Fn::GetAtt': [plain.logicalId(plain.stack.engine.cacheCheck.function), 'Arn'] };
    expect(resourcesOf(plain, role(plain), 'lambda:InvokeFunction')).toEqual([
      JSON.stringify(cacheCheck),
      `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${DEFAULT_LAMBDA_FUNCTION_PREFIX}*`,
    ]);
    expect(resourcesOf(configured, role(configured), 'lambda:InvokeFunction')[1]).toBe(
      'arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:team-a-*',
    );
  });

  it("may call HTTPS endpoints from itself only, through the stack's connection and its secret", () => {
    const { stack } = plain;
    expect(resourcesOf(plain, role(plain), 'states:InvokeHTTPEndpoint')).toEqual([
      'arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:Floe-NodeMachine',
    ]);
    const connection = plain.logicalId(stack.steps.httpConnection.node.findChild('Connection'));
    expect(plain.withAction(role(plain), 'events:RetrieveConnectionCredentials')[0]!.Resource).toEqual({
      'Fn::GetAtt': [connection, 'Arn'],
    });
    expect(plain.withAction(role(plain), 'secretsmanager:GetSecretValue')[0]!.Resource).toEqual({
      'Fn::GetAtt': [connection, 'SecretArn'],
    });
    expect(plain.props(stack.steps.httpConnection.node.findChild('Connection'))).toMatchObject({
      AuthorizationType: 'API_KEY',
      AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: HTTP_CONNECTION_HEADER } },
    });
  });

  it('has exactly the actions its states need', () => {
    expect(
      [...new Set(plain.actionsOf(role(plain)))].filter((action) => !/^(xray|logs):/.test(action)).sort(),
    ).toEqual(
      [
        'ecs:DescribeTasks',
        'ecs:ListTasks',
        'ecs:RunTask',
        'ecs:StopTask',
        'events:DescribeRule',
        'events:PutRule',
        'events:PutTargets',
        'events:RetrieveConnectionCredentials',
        'iam:PassRole',
        'lambda:InvokeFunction',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'states:InvokeHTTPEndpoint',
      ].sort(),
    );
  });
});

describe('the mailbox consumer', () => {
  const consumer = (synth: SynthesizedStack) => synth.stack.engine.mailboxConsumer;

  it('is told how to place container jobs', () => {
    const { stack } = plain;
    const env = plain.env(consumer(plain).function);
    expect(env).toMatchObject({
      FLOE_STEP_FAMILY_PREFIX: 'Floe-step-',
      FLOE_STEP_EXECUTION_ROLE_ARN: { 'Fn::GetAtt': [plain.logicalId(stack.steps.executionRole), 'Arn'] },
      FLOE_STEP_TASK_ROLE_ARN: { 'Fn::GetAtt': [plain.logicalId(stack.steps.taskRole), 'Arn'] },
      FLOE_STEP_LOG_GROUP: { Ref: plain.logicalId(stack.steps.logGroup) },
      FLOE_STEP_SECURITY_GROUPS: { 'Fn::GetAtt': [plain.logicalId(stack.steps.securityGroup), 'GroupId'] },
      FLOE_STEP_ARCHITECTURE: 'X86_64',
    });
    expect(configured.env(consumer(configured).function).FLOE_STEP_ARCHITECTURE).toBe('ARM64');
  });

  it('may register and describe task definitions, tag only step families, and make access points only on the file systems', () => {
    const role = consumer(plain).role;
    expect(resourcesOf(plain, role, 'ecs:RegisterTaskDefinition')).toEqual(['*']);
    const [tag] = plain.withAction(role, 'ecs:TagResource');
    expect(arnText(tag!.Resource)).toBe(
      'arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/Floe-step-*',
    );
    expect(tag!.Condition).toEqual({ StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } });
    expect(plain.actionsOf(role).filter((action) => action.startsWith('elasticfilesystem:'))).toEqual([]);
    const configuredRole = consumer(configured).role;
    const accessPoints =
      'arn:<AWS::Partition>:elasticfilesystem:<AWS::Region>:<AWS::AccountId>:access-point/*';
    expect(resourcesOf(configured, configuredRole, 'elasticfilesystem:CreateAccessPoint')).toEqual(
      FILE_SYSTEM_ARNS,
    );
    expect(resourcesOf(configured, configuredRole, 'elasticfilesystem:DescribeAccessPoints')).toEqual([
      ...FILE_SYSTEM_ARNS,
      accessPoints,
    ]);
    expect(resourcesOf(configured, configuredRole, 'elasticfilesystem:TagResource')).toEqual([accessPoints]);
  });
});

describe('run creation', () => {
  it('holds steps to Fargate and to the file systems of the context, in every function that runs the services', () => {
    for (const fn of plain.stack.handlers.dataResources) {
      expect(plain.env(fn.function)).toMatchObject({
        FLOE_EXECUTOR: 'fargate',
        FLOE_EFS_FILE_SYSTEMS: '',
        FLOE_LAMBDA_FUNCTION_PREFIX: DEFAULT_LAMBDA_FUNCTION_PREFIX,
      });
    }
    for (const fn of [...configured.stack.handlers.dataResources, configured.stack.events.tick]) {
      expect(configured.env(fn.function)).toMatchObject({
        FLOE_EFS_FILE_SYSTEMS: FILE_SYSTEMS.join(','),
        FLOE_LAMBDA_FUNCTION_PREFIX: 'team-a-',
      });
    }
  });
});

describe('the log resource', () => {
  it('reads the step log group and finds tasks on the step cluster', () => {
    const { stack } = plain;
    const log = stack.handlers.resources.log;
    expect(plain.env(log.function)).toMatchObject({
      FLOE_STEP_LOG_GROUP: { Ref: plain.logicalId(stack.steps.logGroup) },
      FLOE_STEP_CLUSTER: 'Floe-steps',
    });
    expect(plain.withAction(log.role, 'logs:GetLogEvents')[0]!.Resource).toEqual({
      'Fn::GetAtt': [plain.logicalId(stack.steps.logGroup), 'Arn'],
    });
    expect(plain.actionsOf(log.role)).toContain('ecs:ListTasks');
  });
});

describe('context', () => {
  it('sets the retention of every log group', () => {
    const retentions = (synth: SynthesizedStack) =>
      new Set(synth.ofType('AWS::Logs::LogGroup').map(([, group]) => group.Properties.RetentionInDays));
    expect(retentions(plain)).toEqual(new Set([30]));
    expect(retentions(configured)).toEqual(new Set([7]));
  });

  it("takes root's first password from the secret it names instead of generating one", () => {
    const arn = ROOT_PASSWORD_SECRET_ARN;
    expect(configured.ofType('AWS::SecretsManager::Secret')).toHaveLength(1);
    const login = configured.stack.handlers.resources.login;
    expect(configured.env(login.function).FLOE_ROOT_PASSWORD_SECRET_ARN).toBe(arn);
    expect(resourcesOf(configured, login.role, 'secretsmanager:GetSecretValue')).toContain(arn);
  });

  it.each([
    [{ 'floe:vpcId': 'vpc-0a1b2c3d' }, /floe:vpcId and floe:subnetIds go together/],
    [{ ...NETWORK, 'floe:subnetIds': 'subnet-xyz' }, /floe:subnetIds .*subnet-0123456789abcdef0/],
    [{ 'floe:efsFileSystemIds': 'my-fs' }, /floe:efsFileSystemIds is "my-fs"/],
    [{ ...NETWORK, 'floe:assignPublicIp': 'yes' }, /floe:assignPublicIp .*true or false/],
    [{ 'floe:logRetentionDays': '10' }, /floe:logRetentionDays is "10"; expected one of 1, 3, 5, 7/],
    [{ 'floe:lambdaFunctionPrefix': 'a:b' }, /floe:lambdaFunctionPrefix/],
    [{ 'floe:stepArchitecture': 'arm' }, /floe:stepArchitecture .*X86_64 or ARM64/],
    [{ 'floe:rootPasswordSecretArn': 'root' }, /floe:rootPasswordSecretArn must be a secret's complete ARN/],
  ])('refuses %j, naming the setting', (context, message) => {
    expect(() => buildApp({ bundling: false, context })).toThrow(message);
  });
});
