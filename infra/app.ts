/** The CDK app entry (`cdk.json`): the CLI sets CDK_OUTDIR, so the app synthesizes itself on exit. */
import { buildApp } from './build.ts';

buildApp();
