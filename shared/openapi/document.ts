/**
 * Floe's HTTP API as an OpenAPI 3.1 document: every route of shared/routes.ts, under the API prefix, with its
 * parameters, bodies, responses and PaddleFlow's errors. Each resource's part is in paths/<resource>.ts (its
 * operations and its own schemas), the shared parts in components.ts, the building blocks in build.ts.
 * `GET /openapi.json` serves it; `npm run openapi` writes it to docs/openapi.json.
 */
import packageJson from '../../package.json' with { type: 'json' };
import { gatewayPath, type ResourceName, type RouteSpec, resourceNames, resources } from '../routes.ts';
import type { Operation, PathItem, ResourceDoc, Schema } from './build.ts';
import { headers, parameters, securitySchemes, sharedSchemas } from './components.ts';
import { artifactDoc } from './paths/artifact.ts';
import { fsDoc } from './paths/fs.ts';
import { linkDoc } from './paths/link.ts';
import { logDoc } from './paths/log.ts';
import { loginDoc } from './paths/login.ts';
import { openapiDoc } from './paths/openapi.ts';
import { pipelineDoc } from './paths/pipeline.ts';
import { runDoc } from './paths/run.ts';
import { runCacheDoc } from './paths/run-cache.ts';
import { runNodeDoc } from './paths/run-node.ts';
import { scheduleDoc } from './paths/schedule.ts';
import { taskDoc } from './paths/task.ts';
import { triggerDoc } from './paths/trigger.ts';
import { userDoc } from './paths/user.ts';
import { webhookDoc } from './paths/webhook.ts';

/** One part per resource of the route table: a resource without its part does not compile. */
const resourceDocs: { readonly [R in ResourceName]: ResourceDoc<R> } = {
  login: loginDoc,
  user: userDoc,
  fs: fsDoc,
  link: linkDoc,
  pipeline: pipelineDoc,
  run: runDoc,
  runNode: runNodeDoc,
  task: taskDoc,
  runCache: runCacheDoc,
  artifact: artifactDoc,
  log: logDoc,
  schedule: scheduleDoc,
  trigger: triggerDoc,
  webhook: webhookDoc,
  openapi: openapiDoc,
};

const DESCRIPTION = `Floe is a serverless pipeline orchestrator whose HTTP API is wire-compatible with PaddleFlow's REST API v1 \
(paths, JSON casing, statuses, error shape, login and token header), so PaddleFlow's clients work unchanged. \
Floe's extensions (node control, the task API, triggers, webhooks, this document) follow the same conventions.

- **Authentication.** \`POST /login\` answers a token; every other call but this document's carries it in the \
\`x-pf-authorization\` header. A missing or invalid token is 400 (AuthWithoutToken, AuthInvalidToken), as in PaddleFlow.
- **Acting for another user.** A \`userName\` in the body of a POST or PUT (any casing), or in the query of another \
method, names the user to act for: only root may name someone else (400 AuthIllegalUser). The user routes are exempt.
- **Request bodies** are JSON objects whatever the Content-Type. Field names match case-insensitively (an exact \
match wins), unknown fields are ignored, and a value of the wrong type is 400 MalformedJSON naming the field.
- **Successes.** Creations answer 201, everything else 200. An "empty" success has no body at all.
- **Errors** are \`{requestID, code, message}\` with the status PaddleFlow gives the code. An unknown path is 404 \
PathNotFound; a method a path does not serve, 405 MethodNotAllowed; an unexpected failure, 500 InternalError. \
A request that lost a race with another write is 400 InvalidState and may be tried again.
- **Lists** are paged with \`marker\` and \`maxKeys\` (default 50, at most 1000); \`nextMarker\` is present while \
\`isTruncated\`. The fs and link lists page by time instead (\`marker\`, \`truncated\`, \`nextMarker\`).
- **Times** are \`YYYY-MM-DD HH:MM:SS\` in the server's local time, but for users' \`createTime\` (RFC 3339).
- **Request ids.** Every response carries \`x-pf-request-id\`: the request's own, or a new UUID.
- **Pipelines** are PaddleFlow's YAML with Floe's extensions; their JSON Schema is \`docs/pipeline.schema.json\` in \
Floe's repository (\`npm run schema\`).`;

const withTag = (item: PathItem, tag: string): PathItem =>
  Object.fromEntries(
    Object.entries(item).map(([method, op]) => [method, { ...(op as Operation), tags: [tag] }]),
  );

export function buildOpenApiDocument() {
  const paths: Record<string, PathItem> = {};
  const schemas: Record<string, Schema> = { ...sharedSchemas };
  for (const name of resourceNames) {
    const part = resourceDocs[name] as ResourceDoc<ResourceName>;
    for (const route of resources[name].routes as readonly RouteSpec[]) {
      paths[gatewayPath(route)] = withTag((part.paths as Record<string, PathItem>)[route.path]!, name);
    }
    for (const [schema, definition] of Object.entries(part.schemas ?? {})) {
      if (schema in schemas) throw new Error(`schema ${schema} is defined twice (resource ${name})`);
      schemas[schema] = definition;
    }
  }
  // A copy of its own: the parts are module constants, shared by every document built.
  return structuredClone({
    openapi: '3.1.0',
    info: {
      title: 'Floe',
      version: packageJson.version,
      summary: "A serverless pipeline orchestrator, wire-compatible with PaddleFlow's REST API v1.",
      description: DESCRIPTION,
    },
    security: [{ token: [] }],
    tags: resourceNames.map((name) => ({ name, description: resourceDocs[name].description })),
    paths,
    components: { securitySchemes, parameters, headers, schemas },
  });
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
