/**
 * PaddleFlow's pipeline spec (reference/paddleflow.md §3): parse a YAML or `/runjson` document, validate it
 * with every rule PaddleFlow enforces, and return the resolved model the engine consumes.
 * A document PaddleFlow rejects throws `SpecError`, whose message names the component and the rule; services
 * answer it with 400 InvalidPipeline.
 */
export { SpecError } from './errors.ts';
export { parsePipelineYaml } from './parse.ts';
export type { PipelineSpec } from './model.ts';
