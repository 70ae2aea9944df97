import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackSettingsOf } from './constructs/settings.ts';
import { FloeStack } from './stack.ts';

export const STACK_NAME = 'Floe';

export interface BuildAppOptions {
  /** Bundle the functions with esbuild (the default); template tests turn it off. */
  readonly bundling?: boolean;
  /** Extra context, as `cdk -c key=value` would give. */
  readonly context?: Record<string, unknown>;
}

/** Runs the cdk-nag AWS Solutions pack when the app synthesizes: an unacknowledged finding fails synth. */
export function addNagChecks(app: App) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * The CDK app: the `Floe` stack checked by cdk-nag, with the settings the context gives (settings.ts).
 */
export function buildApp(options: BuildAppOptions = {}) {
  const app = new App({
    context: {
      ...options.context,
      ...(options.bundling === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
  });
  const stack = new FloeStack(app, STACK_NAME, {
    description: "Floe: a serverless pipeline orchestrator with PaddleFlow's REST API",
    ...stackSettingsOf(app),
  });
  addNagChecks(app);
  return { app, stack };
}
