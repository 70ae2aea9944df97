/** The deployment's settings the AWS adapters read from the environment (the CDK stack sets them). */

/** The variable's value; a missing one is a deployment error that names it. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
