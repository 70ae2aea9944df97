import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addNagChecks, buildApp } from '../../infra/build.ts';
import { ROOT_PASSWORD_READERS } from '../../infra/constructs/handlers.ts';
import type { FloeStack } from '../../infra/stack.ts';
import { gatewayPath, type RouteSpec, resourceNames, resources } from '../../shared/routes.ts';
import { globalIndexes, partitionKey, sortKey } from '../../shared/store/table.ts';

type Json = Record<string, unknown>;
interface CfnResource {
  Type: string;
  Properties: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let stack: FloeStack;
let template: Template;
let cfn: Record<string, CfnResource>;
let assemblyDir: string;

const logicalId = (construct: IConstruct) =>
  stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnElement)) as string;
const ofType = (type: string) => Object.entries(cfn).filter(([, resource]) => resource.Type === type);
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** Every logical id a CloudFormation value refers to (Ref, Fn::GetAtt), however deeply nested. */
const referencedIds = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const object = value as Json;
  if (typeof object.Ref === 'string') return [object.Ref];
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return [String(getAtt[0])];
  return Object.values(object).flatMap(referencedIds);
};

/** Every IAM policy statement in the template, with the roles it is attached to. */
function statements(): { roles: string[]; statement: Statement }[] {
  return ofType('AWS::IAM::Policy').flatMap(([, policy]) => {
    const roles = (policy.Properties.Roles as unknown[]).flatMap(referencedIds);
    const document = policy.Properties.PolicyDocument as { Statement: Statement[] };
    return document.Statement.map((statement) => ({ roles, statement }));
  });
}
const actionsOfRole = (role: string) =>
  statements()
    .filter((entry) => entry.roles.includes(role))
    .flatMap((entry) => asList(entry.statement.Action));

beforeAll(() => {
  const built = buildApp({ bundling: false });
  stack = built.stack;
  // The real synth: the cdk-nag plugin runs here, and an unacknowledged finding throws.
  const assembly = built.app.synth();
  assemblyDir = assembly.directory;
  const json = assembly.getStackByName(stack.stackName).template;
  template = Template.fromJSON(json);
  cfn = json.Resources;
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
  it('are one per resource plus the fallback, and nothing else', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(resourceNames.length + 1);
    const expected = [
      ...resourceNames.map((name) => logicalId(stack.handlers.resources[name].function)),
      logicalId(stack.handlers.fallback.function),
    ];
    expect(functions.map(([id]) => id).sort()).toEqual([...new Set(expected)].sort());
    // No CDK helper functions: retention is set on explicit log groups.
    expect(ofType('Custom::LogRetention')).toHaveLength(0);
  });

  it('run nodejs24.x on arm64 with their own log group', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 1024,
        Timeout: 29,
        Handler: 'index.handler',
      });
      const logGroup = (fn.Properties.LoggingConfig as Json | undefined)?.LogGroup;
      const [logGroupId] = referencedIds(logGroup);
      expect(cfn[logGroupId!]?.Type, id).toBe('AWS::Logs::LogGroup');
      expect(cfn[logGroupId!]?.Properties.RetentionInDays, id).toBeGreaterThan(0);
    }
  });

  it('give resource handlers the table and both secrets, and the fallback neither', () => {
    const table = logicalId(stack.data.table);
    const signingKey = logicalId(stack.secrets.signingKey);
    const rootPassword = logicalId(stack.secrets.rootPassword);
    for (const name of resourceNames) {
      const env = cfn[logicalId(stack.handlers.resources[name].function)]!.Properties.Environment as {
        Variables: Json;
      };
      expect(env.Variables, name).toMatchObject({
        FLOE_TABLE_NAME: { Ref: table },
        FLOE_SIGNING_KEY_SECRET_ARN: { Ref: signingKey },
        FLOE_ROOT_PASSWORD_SECRET_ARN: { Ref: rootPassword },
        POWERTOOLS_SERVICE_NAME: 'floe',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
    const fallback = cfn[logicalId(stack.handlers.fallback.function)]!.Properties.Environment as {
      Variables: Json;
    };
    expect(Object.keys(fallback.Variables).filter((key) => key.startsWith('FLOE_'))).toEqual([]);
  });
});

describe('token lifetime', () => {
  it('is unset by default and set for every resource from context floe:tokenTtlHours', () => {
    for (const name of resourceNames) {
      const env = cfn[logicalId(stack.handlers.resources[name].function)]!.Properties.Environment as {
        Variables: Json;
      };
      expect(env.Variables.FLOE_TOKEN_TTL_HOURS, name).toBeUndefined();
    }
    const withTtl = buildApp({ bundling: false, context: { 'floe:tokenTtlHours': '12' } });
    const functions = Template.fromStack(withTtl.stack).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { FLOE_TOKEN_TTL_HOURS: '12' } } },
    });
    expect(Object.keys(functions)).toHaveLength(resourceNames.length);
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

  it('outputs the API URL and the table name', () => {
    template.hasOutput('ApiUrl', {});
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.data.table) } });
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

  it('give the fallback no table and no secret', () => {
    const role = logicalId(stack.handlers.fallback.role);
    const actions = actionsOfRole(role);
    expect(actions).toContain('logs:PutLogEvents');
    expect(actions.filter((action) => /^(dynamodb|secretsmanager):/.test(action))).toEqual([]);
  });

  it('let every resource read the signing key and only login read the root password', () => {
    const rolesReading = (secret: secretsmanager.Secret) => {
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
    expect(rolesReading(stack.secrets.signingKey)).toEqual(new Set(resourceNames.map(roleOf)));
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
