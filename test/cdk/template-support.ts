/** Reading a synthesized Floe stack in template tests: its resources, logical ids and IAM statements. */
import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type BuildAppOptions, buildApp } from '../../infra/build.ts';
import type { FloeStack } from '../../infra/stack.ts';

export type Json = Record<string, unknown>;
export interface CfnResource {
  Type: string;
  Properties: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every logical id a CloudFormation value refers to (Ref, Fn::GetAtt), however deeply nested. */
export const referencedIds = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const object = value as Json;
  if (typeof object.Ref === 'string') return [object.Ref];
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return [String(getAtt[0])];
  return Object.values(object).flatMap(referencedIds);
};

/**
 * The app synthesized for real (the cdk-nag plugin runs, and an unacknowledged finding throws), without
 * bundling, and what tests read of it.
 */
export class SynthesizedStack {
  readonly stack: FloeStack;
  readonly template: Template;
  readonly cfn: Record<string, CfnResource>;
  readonly assemblyDir: string;

  constructor(options: Omit<BuildAppOptions, 'bundling'> = {}) {
    const built = buildApp({ ...options, bundling: false });
    this.stack = built.stack;
    const assembly = built.app.synth();
    this.assemblyDir = assembly.directory;
    const json = assembly.getStackByName(this.stack.stackName).template;
    this.template = Template.fromJSON(json);
    this.cfn = json.Resources;
  }

  logicalId(construct: IConstruct): string {
    const element = (
      CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild
    ) as CfnElement;
    return this.stack.resolve(this.stack.getLogicalId(element)) as string;
  }

  ofType(type: string): [string, CfnResource][] {
    return Object.entries(this.cfn).filter(([, resource]) => resource.Type === type);
  }

  props(construct: IConstruct): Json {
    return this.cfn[this.logicalId(construct)]!.Properties;
  }

  env(construct: IConstruct): Json {
    return (this.props(construct).Environment as { Variables: Json }).Variables;
  }

  /** Every IAM policy statement in the template, with the roles it is attached to. */
  statements(): { roles: string[]; statement: Statement }[] {
    return this.ofType('AWS::IAM::Policy').flatMap(([, policy]) => {
      const roles = (policy.Properties.Roles as unknown[]).flatMap(referencedIds);
      const document = policy.Properties.PolicyDocument as { Statement: Statement[] };
      return document.Statement.map((statement) => ({ roles, statement }));
    });
  }

  /** The statements attached to one role. */
  statementsOf(role: IConstruct): Statement[] {
    const id = this.logicalId(role);
    return this.statements()
      .filter((entry) => entry.roles.includes(id))
      .map((entry) => entry.statement);
  }

  withAction(role: IConstruct, action: string): Statement[] {
    return this.statementsOf(role).filter((statement) => asList(statement.Action).includes(action));
  }

  actionsOf(role: IConstruct): string[] {
    return this.statementsOf(role).flatMap((statement) => asList(statement.Action));
  }
}
