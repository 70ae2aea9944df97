import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addNagChecks, buildApp } from '../../infra/build.ts';
import { MAILBOX_MAX_RECEIVES, VISIBILITY_FACTOR } from '../../infra/constructs/engine.ts';
import {
  TICK_TIMEOUT,
  TRIGGER_RULE_ACTIONS,
  WEBHOOK_DELIVERY_TIMEOUT,
} from '../../infra/constructs/events.ts';
import { ROOT_PASSWORD_READERS, STATIC_RESOURCES } from '../../infra/constructs/handlers.ts';
import type { FloeStack } from '../../infra/stack.ts';
import { NODE_MACHINE_SUBSTITUTION_KEYS, nodeMachineDefinition } from '../../shared/machines/node-machine.ts';
import { gatewayPath, type RouteSpec, resourceNames, resources } from '../../shared/routes.ts';
import { FIXED_RULES } from '../../shared/runtime/event-rules.ts';
import { globalIndexes, partitionKey, sortKey } from '../../shared/store/table.ts';
import { asList, type CfnResource, type Json, referencedIds, SynthesizedStack } from './template-support.ts';

/** The resources whose functions get the table, the secrets and the bus: all but the static ones. */
const dataResourceNames = resourceNames.filter((name) => !STATIC_RESOURCES.includes(name));

let synthesized: SynthesizedStack;
let stack: FloeStack;
let template: Template;
let cfn: Record<string, CfnResource>;
let assemblyDir: string;

const logicalId = (construct: IConstruct) => synthesized.logicalId(construct);
const ofType = (type: string) => synthesized.ofType(type);
const statements = () => synthesized.statements();
const actionsOf = (role: IConstruct) => synthesized.actionsOf(role);
const withAction = (role: IConstruct, action: string) => synthesized.withAction(role, action);
const props = (construct: IConstruct) => synthesized.props(construct);
const env = (construct: IConstruct) => synthesized.env(construct);
const mailboxArn = () => ({ 'Fn::GetAtt': [logicalId(stack.engine.mailbox), 'Arn'] });

beforeAll(() => {
  synthesized = new SynthesizedStack();
  ({ stack, template, cfn, assemblyDir } = synthesized);
});

describe('table', () => {
  it('is the one table of shared/store/table.ts', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const keys = [
      partitionKey,
      sortKey,
      ...globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
    ];
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayEquals(
        keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      ),
      GlobalSecondaryIndexes: Match.arrayEquals(
        globalIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      ),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('outlives the stack', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('functions', () => {
  it('are one per resource, the fallback, the mailbox consumer, node events, the cache check, the tick, the trigger function and webhook delivery, and nothing else', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(resourceNames.length + 7);
    const expected = [
      ...resourceNames.map((name) => logicalId(stack.handlers.resources[name].function)),
      logicalId(stack.handlers.fallback.function),
      logicalId(stack.engine.mailboxConsumer.function),
      logicalId(stack.engine.nodeEvents.function),
      logicalId(stack.engine.cacheCheck.function),
      logicalId(stack.events.tick.function),
      logicalId(stack.events.triggerTarget.function),
      logicalId(stack.events.webhookDelivery.function),
    ];
    expect(functions.map(([id]) => id).sort()).toEqual([...new Set(expected)].sort());
    // No CDK helper functions: retention is set on explicit log groups.
    expect(ofType('Custom::LogRetention')).toHaveLength(0);
  });

  it("run nodejs24.x on arm64 with their own log group, within API Gateway's 29 s but for the tick and webhooks", () => {
    const longer: Record<string, number> = {
      [logicalId(stack.events.tick.function)]: TICK_TIMEOUT.toSeconds(),
      [logicalId(stack.events.webhookDelivery.function)]: WEBHOOK_DELIVERY_TIMEOUT.toSeconds(),
    };
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 1024,
        Timeout: longer[id] ?? 29,
        Handler: 'index.handler',
      });
      const logGroup = (fn.Properties.LoggingConfig as Json | undefined)?.LogGroup;
      const [logGroupId] = referencedIds(logGroup);
      expect(cfn[logGroupId!]?.Type, id).toBe('AWS::Logs::LogGroup');
      expect(cfn[logGroupId!]?.Properties.RetentionInDays, id).toBeGreaterThan(0);
    }
  });

  it('give resource handlers the table and both secrets, and the static resources and the fallback neither', () => {
    const table = logicalId(stack.data.table);
    const signingKey = logicalId(stack.secrets.signingKey);
    const rootPassword = logicalId(stack.secrets.rootPassword);
    expect(STATIC_RESOURCES).toEqual(['openapi']);
    for (const name of dataResourceNames) {
      expect(env(stack.handlers.resources[name].function), name).toMatchObject({
        FLOE_TABLE_NAME: { Ref: table },
        FLOE_SIGNING_KEY_SECRET_ARN: { Ref: signingKey },
        FLOE_ROOT_PASSWORD_SECRET_ARN: { Ref: rootPassword },
        POWERTOOLS_SERVICE_NAME: 'floe',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
    for (const fn of [
      ...STATIC_RESOURCES.map((name) => stack.handlers.resources[name]),
      stack.handlers.fallback,
    ]) {
      expect(Object.keys(env(fn.function)).filter((key) => key.startsWith('FLOE_'))).toEqual([]);
    }
  });
});

describe('token lifetime', () => {
  it('is unset by default and set for every resource but the static ones from context floe:tokenTtlHours', () => {
    for (const name of resourceNames) {
      expect(env(stack.handlers.resources[name].function).FLOE_TOKEN_TTL_HOURS, name).toBeUndefined();
    }
    const withTtl = buildApp({ bundling: false, context: { 'floe:tokenTtlHours': '12' } });
    const functions = Template.fromStack(withTtl.stack).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { FLOE_TOKEN_TTL_HOURS: '12' } } },
    });
    expect(Object.keys(functions)).toHaveLength(dataResourceNames.length);
    expect(() => buildApp({ bundling: false, context: { 'floe:tokenTtlHours': 'soon' } })).toThrow(
      /floe:tokenTtlHours/,
    );
  });
});

describe('API', () => {
  /** Route key → logical id of the function its integration invokes. */
  function routeTargets(): Map<string, string> {
    const targets = new Map<string, string>();
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      const [integrationId] = referencedIds(route.Properties.Target);
      const integration = cfn[integrationId!]!;
      expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
      const [functionId] = referencedIds(integration.Properties.IntegrationUri);
      targets.set(route.Properties.RouteKey as string, functionId!);
    }
    return targets;
  }

  it('routes ANY on every path of the route table to its resource, and $default to the fallback', () => {
    const expected = new Map<string, string>([['$default', logicalId(stack.handlers.fallback.function)]]);
    for (const name of resourceNames) {
      for (const route of resources[name].routes as readonly RouteSpec[]) {
        expected.set(`ANY ${gatewayPath(route)}`, logicalId(stack.handlers.resources[name].function));
      }
    }
    expect(routeTargets()).toEqual(expected);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
  });

  it('serves one auto-deployed $default stage with access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });

  it('outputs the API URL, the table name and the event bus name', () => {
    template.hasOutput('ApiUrl', {});
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.data.table) } });
    template.hasOutput('EventBusName', { Value: stack.events.busName });
  });
});

describe('permissions', () => {
  it('grant no wildcard action', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(0);
    for (const { statement } of all) {
      for (const action of asList(statement.Action)) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/\*/);
      }
    }
  });

  it('limit table access to item actions on the table and queries on its named indexes', () => {
    const table = logicalId(stack.data.table);
    const tableStatements = statements()
      .map((entry) => entry.statement)
      .filter((statement) => referencedIds(statement.Resource).includes(table));
    expect(tableStatements.length).toBeGreaterThan(0);
    for (const statement of tableStatements) {
      const actions = asList(statement.Action);
      expect(actions.every((action) => action.startsWith('dynamodb:'))).toBe(true);
      expect(actions).not.toContain('dynamodb:Scan');
      for (const resource of asList(statement.Resource)) {
        const arn = JSON.stringify(stack.resolve(resource));
        expect(arn).not.toContain('*');
      }
    }
    const indexArns = JSON.stringify(tableStatements.map((statement) => statement.Resource));
    for (const index of globalIndexes) expect(indexArns).toContain(`/index/${index.name}`);
  });

  it('give the fallback and the static resources nothing but their logs and traces', () => {
    for (const fn of [
      stack.handlers.fallback,
      ...STATIC_RESOURCES.map((name) => stack.handlers.resources[name]),
    ]) {
      const actions = actionsOf(fn.role);
      expect(actions).toContain('logs:PutLogEvents');
      expect(actions.filter((action) => !action.startsWith('logs:') && !action.startsWith('xray:'))).toEqual(
        [],
      );
    }
  });

  it('let every resource but the static ones, the mailbox consumer, the cache check and the event functions read the signing key, and only login the root password', () => {
    const rolesReading = (secret: secretsmanager.ISecret) => {
      const id = logicalId(secret);
      return new Set(
        statements()
          .filter(({ statement }) => referencedIds(statement.Resource).includes(id))
          .filter(({ statement }) => asList(statement.Action).includes('secretsmanager:GetSecretValue'))
          .flatMap((entry) => entry.roles),
      );
    };
    const roleOf = (name: (typeof resourceNames)[number]) => logicalId(stack.handlers.resources[name].role);
    expect(ROOT_PASSWORD_READERS).toEqual(['login']);
    expect(rolesReading(stack.secrets.rootPassword)).toEqual(new Set([roleOf('login')]));
    expect(rolesReading(stack.secrets.signingKey)).toEqual(
      new Set([
        ...dataResourceNames.map(roleOf),
        logicalId(stack.engine.mailboxConsumer.role),
        logicalId(stack.engine.cacheCheck.role),
        logicalId(stack.events.tick.role),
        logicalId(stack.events.triggerTarget.role),
        logicalId(stack.events.webhookDelivery.role),
      ]),
    );
  });

  it('attach no managed policies', () => {
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe('secrets', () => {
  it("generate a root password that meets PaddleFlow's password rule", () => {
    const generated = cfn[logicalId(stack.secrets.rootPassword)]!.Properties.GenerateSecretString as Json;
    expect(generated.RequireEachIncludedType).toBe(true);
    expect(generated.PasswordLength).toBeGreaterThanOrEqual(6);
    expect(generated.ExcludeLowercase ?? false).toBe(false);
    expect(generated.ExcludeNumbers ?? false).toBe(false);
  });
});

describe('engine', () => {
  const engine = () => stack.engine;

  describe('mailbox', () => {
    it('is a high-throughput, encrypted SQS FIFO queue, deduplicated by content, with a FIFO dead-letter queue', () => {
      const mailbox = props(engine().mailbox);
      expect(mailbox).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: true,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(engine().mailboxDeadLetters), 'Arn'] },
          maxReceiveCount: MAILBOX_MAX_RECEIVES,
        },
      });
      expect(props(engine().mailboxDeadLetters)).toMatchObject({
        FifoQueue: true,
        SqsManagedSseEnabled: true,
      });
      // Besides, the dead-letter queues of the four functions invoked asynchronously (operations.test.ts).
      template.resourceCountIs('AWS::SQS::Queue', 2 + 4);
    });

    it('keeps messages invisible for at least six times the consumer timeout', () => {
      const timeout = props(engine().mailboxConsumer.function).Timeout as number;
      expect(VISIBILITY_FACTOR).toBe(6);
      expect(props(engine().mailbox).VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    });

    it('refuses requests without TLS, on both queues', () => {
      for (const queue of [engine().mailbox, engine().mailboxDeadLetters]) {
        const id = logicalId(queue);
        const policies = ofType('AWS::SQS::QueuePolicy').filter(([, policy]) =>
          referencedIds(policy.Properties.Queues).includes(id),
        );
        expect(policies, id).toHaveLength(1);
        expect((policies[0]![1].Properties.PolicyDocument as { Statement: Json[] }).Statement).toContainEqual(
          expect.objectContaining({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        );
      }
    });
  });

  describe('mailbox consumer', () => {
    it('reads the mailbox in batches of 10 and reports partial batch failures', () => {
      const consumer = logicalId(engine().mailboxConsumer.function);
      const mappings = ofType('AWS::Lambda::EventSourceMapping');
      expect(mappings).toHaveLength(1);
      expect(mappings[0]![1].Properties).toEqual({
        FunctionName: { Ref: consumer },
        EventSourceArn: mailboxArn(),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('gets the table, the secrets, the NodeMachine and the mailbox', () => {
      expect(env(engine().mailboxConsumer.function)).toMatchObject({
        FLOE_TABLE_NAME: { Ref: logicalId(stack.data.table) },
        FLOE_SIGNING_KEY_SECRET_ARN: { Ref: logicalId(stack.secrets.signingKey) },
        FLOE_ROOT_PASSWORD_SECRET_ARN: { Ref: logicalId(stack.secrets.rootPassword) },
        FLOE_NODE_MACHINE_ARN: { Ref: logicalId(engine().nodeMachine) },
        FLOE_MAILBOX_URL: { Ref: logicalId(engine().mailbox) },
      });
      const actions = actionsOf(engine().mailboxConsumer.role);
      expect(actions).toEqual(
        expect.arrayContaining([
          'dynamodb:UpdateItem',
          'secretsmanager:GetSecretValue',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:SendMessage',
        ]),
      );
    });

    it('may start NodeMachine executions and stop them, and no other state machine', () => {
      const role = engine().mailboxConsumer.role;
      expect(withAction(role, 'states:StartExecution').map((statement) => statement.Resource)).toEqual([
        { Ref: logicalId(engine().nodeMachine) },
      ]);
      const stop = withAction(role, 'states:StopExecution');
      expect(stop).toHaveLength(1);
      expect(JSON.stringify(stop[0]!.Resource)).toContain(':execution:Floe-NodeMachine:*');
      const stateActions = actionsOf(role).filter((action) => action.startsWith('states:'));
      expect(stateActions.sort()).toEqual(['states:StartExecution', 'states:StopExecution']);
    });
  });

  describe('NodeMachine', () => {
    it('is a Standard state machine deployed from nodeMachineDefinition(), with its substitutions', () => {
      const machine = props(engine().nodeMachine);
      expect(machine.StateMachineType).toBe('STANDARD');
      expect(typeof machine.DefinitionString).toBe('string');
      expect(JSON.parse(machine.DefinitionString as string)).toEqual(nodeMachineDefinition());
      expect(machine.DefinitionSubstitutions).toEqual({
        MailboxQueueUrl: { Ref: logicalId(engine().mailbox) },
        ClusterArn: { 'Fn::GetAtt': [logicalId(stack.steps.cluster), 'Arn'] },
        HttpConnectionArn: {
          'Fn::GetAtt': [logicalId(stack.steps.httpConnection.node.findChild('Connection')), 'Arn'],
        },
        CacheCheckFunctionArn: { 'Fn::GetAtt': [logicalId(engine().cacheCheck.function), 'Arn'] },
      });
      expect(Object.keys(machine.DefinitionSubstitutions as Json).sort()).toEqual(
        [...NODE_MACHINE_SUBSTITUTION_KEYS].sort(),
      );
    });

    it('logs everything to its own log group and traces with X-Ray', () => {
      const machine = props(engine().nodeMachine);
      expect(machine.LoggingConfiguration).toEqual({
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [logicalId(engine().nodeMachineLogs), 'Arn'] },
            },
          },
        ],
      });
      expect(machine.TracingConfiguration).toEqual({ Enabled: true });
      expect(props(engine().nodeMachineLogs).RetentionInDays).toBeGreaterThan(0);
    });
  });

  describe('abnormal ends', () => {
    it('reach the node-events function from an EventBridge rule on the NodeMachine only', () => {
      const rule = props(engine().nodeEventsRule);
      expect(rule.EventPattern).toEqual({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [{ Ref: logicalId(engine().nodeMachine) }],
        },
      });
      expect(rule.Targets).toEqual([
        expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(engine().nodeEvents.function), 'Arn'] } }),
      ]);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(engine().nodeEvents.function), 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [logicalId(engine().nodeEventsRule), 'Arn'] },
      });
    });

    it('are posted to the mailbox by a function that may do only that', () => {
      const variables = env(engine().nodeEvents.function);
      expect(variables.FLOE_MAILBOX_URL).toEqual({ Ref: logicalId(engine().mailbox) });
      expect(Object.keys(variables).filter((key) => key.startsWith('FLOE_'))).toEqual(['FLOE_MAILBOX_URL']);
      const actions = actionsOf(engine().nodeEvents.role);
      const own = actions.filter((action) => !action.startsWith('logs:') && !action.startsWith('xray:'));
      expect([...new Set(own)].sort()).toEqual([
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
      // To the mailbox, and its failed invocations to its own dead-letter queue.
      const queues = withAction(engine().nodeEvents.role, 'sqs:SendMessage').flatMap((statement) =>
        referencedIds(statement.Resource),
      );
      expect(queues.sort()).toEqual(
        [logicalId(engine().mailbox), logicalId(engine().nodeEvents.deadLetterQueue!)].sort(),
      );
    });
  });

  it('lets the run resources post operator actions to the mailbox', () => {
    for (const resource of [
      stack.handlers.resources.run,
      stack.handlers.resources.runNode,
      stack.handlers.resources.task,
    ]) {
      expect(env(resource.function).FLOE_MAILBOX_URL).toEqual({ Ref: logicalId(engine().mailbox) });
      expect(withAction(resource.role, 'sqs:SendMessage').map((statement) => statement.Resource)).toEqual([
        mailboxArn(),
      ]);
    }
  });

  it('lets only the node resource answer waiting callback and approval steps, on the NodeMachine alone', () => {
    const machine = { Ref: logicalId(engine().nodeMachine) };
    const answers = withAction(stack.handlers.resources.runNode.role, 'states:SendTaskSuccess');
    expect(answers.map((statement) => [asList(statement.Action).sort(), statement.Resource])).toEqual([
      [['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'], machine],
    ]);
    for (const resource of [stack.handlers.resources.run, stack.handlers.resources.task])
      expect(withAction(resource.role, 'states:SendTaskSuccess')).toEqual([]);
  });
});

describe('events', () => {
  const events = () => stack.events;
  const busArn = () => ({ 'Fn::GetAtt': [logicalId(events().bus), 'Arn'] });
  const functionArn = (fn: IConstruct) => ({ 'Fn::GetAtt': [logicalId(fn), 'Arn'] });
  /** From the route table and the engine, not from the construct's own list. */
  const publishers = () => [
    ...dataResourceNames.map((name) => stack.handlers.resources[name]),
    stack.engine.mailboxConsumer,
    events().tick,
    events().triggerTarget,
    events().webhookDelivery,
  ];
  const invokePermissions = (fn: IConstruct) =>
    ofType('AWS::Lambda::Permission')
      .map(([, permission]) => permission.Properties)
      .filter((permission) => referencedIds(permission.FunctionName).includes(logicalId(fn)));

  it("is one bus, Floe's own, whose name every publishing function gets and no other function", () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    expect(props(events().bus).Name).toBe('Floe-events');
    expect(events().busName).toBe('Floe-events');
    const busName = stack.resolve(events().bus.eventBusName);
    const publishing = new Set(publishers().map((publisher) => logicalId(publisher.function)));
    expect(publishing.size).toBe(dataResourceNames.length + 4);
    expect(new Set(events().publishers.map((publisher) => logicalId(publisher.function)))).toEqual(
      publishing,
    );
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Json }).Variables;
      expect(variables.FLOE_EVENT_BUS_NAME, id).toEqual(publishing.has(id) ? busName : undefined);
    }
  });

  it('grant PutEvents on the bus only, to the publishing functions and to nothing else', () => {
    const putEvents = statements().filter(({ statement }) =>
      asList(statement.Action).includes('events:PutEvents'),
    );
    for (const { statement } of putEvents) {
      expect(asList(statement.Action)).toEqual(['events:PutEvents']);
      expect(statement.Resource).toEqual(busArn());
    }
    const roles = new Set(putEvents.flatMap((entry) => entry.roles));
    expect(roles).toEqual(new Set(publishers().map((publisher) => logicalId(publisher.role))));
  });

  it('tick every minute, from a schedule rule on the default bus', () => {
    const rule = props(events().minuteRule);
    expect(rule.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toBeUndefined();
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: functionArn(events().tick.function) })]);
    expect(invokePermissions(events().tick.function)).toContainEqual({
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: functionArn(events().tick.function),
      SourceArn: { 'Fn::GetAtt': [logicalId(events().minuteRule), 'Arn'] },
    });
  });

  it("give the tick 90 s, a minute's worth of schedules", () => {
    expect(TICK_TIMEOUT.toSeconds()).toBe(90);
    expect(props(events().tick.function).Timeout).toBe(90);
  });

  it("are the fixed rules on Floe's bus, each with exactly its pattern and its target", () => {
    const targets = { tick: events().tick.function, webhooks: events().webhookDelivery.function };
    const onBus = ofType('AWS::Events::Rule').filter(([, rule]) =>
      referencedIds(rule.Properties.EventBusName).includes(logicalId(events().bus)),
    );
    expect(onBus.map(([id]) => id).sort()).toEqual(
      FIXED_RULES.map((fixed) => logicalId(events().fixedRules[fixed.id]!)).sort(),
    );
    for (const fixed of FIXED_RULES) {
      const construct = events().fixedRules[fixed.id]!;
      const rule = props(construct);
      expect(rule.EventPattern, fixed.id).toEqual(fixed.pattern);
      expect(rule.EventBusName, fixed.id).toEqual({ Ref: logicalId(events().bus) });
      expect(rule.State, fixed.id).toBe('ENABLED');
      const target = targets[fixed.target];
      expect(rule.Targets, fixed.id).toEqual([expect.objectContaining({ Arn: functionArn(target) })]);
      expect(invokePermissions(target), fixed.id).toContainEqual({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: functionArn(target),
        SourceArn: { 'Fn::GetAtt': [logicalId(construct), 'Arn'] },
      });
    }
    // The fixed rules, the minute tick and the NodeMachine's abnormal ends: no other rule in the template.
    template.resourceCountIs('AWS::Events::Rule', FIXED_RULES.length + 2);
  });

  it('give the tick and the trigger function, which start runs, the mailbox', () => {
    for (const starter of [events().tick, events().triggerTarget]) {
      expect(env(starter.function).FLOE_MAILBOX_URL).toEqual({ Ref: logicalId(stack.engine.mailbox) });
      // And their failed invocations to their own dead-letter queue (operations.test.ts).
      const deadLetters = { 'Fn::GetAtt': [logicalId(starter.deadLetterQueue!), 'Arn'] };
      expect(withAction(starter.role, 'sqs:SendMessage').map((statement) => statement.Resource)).toEqual([
        mailboxArn(),
        deadLetters,
      ]);
    }
    expect(env(events().webhookDelivery.function).FLOE_MAILBOX_URL).toBeUndefined();
  });

  it('give the event functions the table and the secrets as the resources', () => {
    for (const fn of [events().tick, events().triggerTarget, events().webhookDelivery]) {
      expect(env(fn.function)).toMatchObject({
        FLOE_TABLE_NAME: { Ref: logicalId(stack.data.table) },
        FLOE_SIGNING_KEY_SECRET_ARN: { Ref: logicalId(stack.secrets.signingKey) },
        FLOE_ROOT_PASSWORD_SECRET_ARN: { Ref: logicalId(stack.secrets.rootPassword) },
      });
      expect(actionsOf(fn.role)).toEqual(
        expect.arrayContaining(['dynamodb:UpdateItem', 'secretsmanager:GetSecretValue', 'events:PutEvents']),
      );
    }
  });

  describe('triggers', () => {
    const RULES = ':rule/Floe-events/floe-trigger-*';
    const trigger = () => stack.handlers.resources.trigger;

    it("may be invoked by EventBridge from trigger rules only, and are no fixed rule's target", () => {
      expect(JSON.stringify(stack.resolve(events().triggerRuleArns))).toContain(RULES);
      expect(invokePermissions(events().triggerTarget.function)).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          FunctionName: functionArn(events().triggerTarget.function),
          SourceArn: stack.resolve(events().triggerRuleArns),
        },
      ]);
      const targeted = ofType('AWS::Events::Rule').flatMap(([, rule]) =>
        referencedIds(rule.Properties.Targets),
      );
      expect(targeted).not.toContain(logicalId(events().triggerTarget.function));
    });

    it('are managed by the trigger resource, on floe-trigger-* rules only, and it knows their target', () => {
      const resource = trigger();
      expect(env(resource.function).FLOE_TRIGGER_FUNCTION_ARN).toEqual(
        functionArn(events().triggerTarget.function),
      );
      const ruleActions = new Set<string>(TRIGGER_RULE_ACTIONS);
      const ruleStatements = statements().filter(({ statement }) =>
        asList(statement.Action).some((action) => ruleActions.has(action)),
      );
      const own = ruleStatements.filter(({ roles }) => roles.includes(logicalId(resource.role)));
      expect(own).toHaveLength(1);
      expect([...asList(own[0]!.statement.Action)].sort()).toEqual([...TRIGGER_RULE_ACTIONS].sort());
      expect(own[0]!.statement.Resource).toEqual(stack.resolve(events().triggerRuleArns));
      expect(JSON.stringify(own[0]!.statement.Resource)).toContain(RULES);
      // Nobody else may touch the triggers' rules; the NodeMachine keeps only its managed ECS rule.
      for (const { roles, statement } of ruleStatements) {
        if (roles.includes(logicalId(resource.role))) continue;
        expect(roles).toEqual([logicalId(stack.engine.nodeMachineRole)]);
        expect(JSON.stringify(statement.Resource)).toContain(':rule/StepFunctionsGetEventsForECSTaskRule');
      }
      const eventActions = actionsOf(resource.role).filter((action) => action.startsWith('events:'));
      expect(eventActions.sort()).toEqual(['events:PutEvents', ...TRIGGER_RULE_ACTIONS].sort());
    });
  });
});

describe('cdk-nag', () => {
  it('reports nothing unacknowledged for the Floe stack', () => {
    const reportFile = join(assemblyDir, 'validation-report.json');
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });

  it('fails synth on an unacknowledged finding', () => {
    const app = new App();
    new secretsmanager.Secret(new Stack(app, 'Probe'), 'Unrotated');
    addNagChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
  });
});
