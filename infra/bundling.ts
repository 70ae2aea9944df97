/**
 * How each Lambda handler is bundled: one definition for the CDK functions and the bundle-size benchmark.
 * The nodejs24.x runtime ships AWS SDK v3, so it stays out of the bundles (a bundled DynamoDB client alone is
 * ~340 KB).
 */

export const bundleTarget = 'node24';
export const externalModules = ['@aws-sdk/*'];
/** ESM bundles still meet CommonJS dependencies that call `require`. */
export const esmRequireBanner =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
