/**
 * PaddleFlow's pipeline spec (reference/paddleflow.md §3): parse a YAML or `/runjson` document, validate it
 * with every rule PaddleFlow enforces, and return the resolved model the engine consumes.
 * A document PaddleFlow rejects throws `SpecError`, whose message names the component and the rule; services
 * answer it with 400 InvalidPipeline.
 */
export { toRunJsonKeys } from './aliases.ts';
export { SpecError } from './errors.ts';
export type * from './model.ts';
export { type ParseOptions, parsePipelineYaml, parseRunJson, type RunJsonPipeline } from './parse.ts';
export { pipelineJsonSchema } from './schema.ts';
