/**
 * The one route table. CDK turns it into API Gateway routes and functions; the local gateway matches requests
 * against it and invokes the same handlers; each handler's router is typed against its own entry here.
 * Every path is relative to PaddleFlow's base path.
 */

const API_PREFIX = '/api/paddleflow/v1';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  /** API Gateway path syntax: `{name}` is one segment. */
  readonly path: string;
  readonly methods: readonly HttpMethod[];
}

export interface ResourceSpec {
  /** The handler module, relative to the repository root: what CDK bundles and the gateway imports. */
  readonly entry: string;
  readonly routes: readonly RouteSpec[];
}

export const resources = {
  login: {
    entry: 'functions/login/handler.ts',
    routes: [{ path: '/login', methods: ['POST'] }],
  },
  user: {
    entry: 'functions/user/handler.ts',
    routes: [
      { path: '/user', methods: ['GET', 'POST'] },
      { path: '/user/{username}', methods: ['PUT', 'DELETE'] },
    ],
  },
  fs: {
    entry: 'functions/fs/handler.ts',
    routes: [
      { path: '/fs', methods: ['GET', 'POST', 'PUT'] },
      { path: '/fs/{fsName}', methods: ['GET', 'DELETE'] },
    ],
  },
  link: {
    entry: 'functions/link/handler.ts',
    routes: [
      { path: '/link', methods: ['POST'] },
      { path: '/link/{fsName}', methods: ['GET', 'DELETE'] },
    ],
  },
  pipeline: {
    entry: 'functions/pipeline/handler.ts',
    routes: [
      { path: '/pipeline', methods: ['GET', 'POST'] },
      { path: '/pipeline/{pipelineID}', methods: ['GET', 'POST', 'DELETE'] },
      { path: '/pipeline/{pipelineID}/{pipelineVersionID}', methods: ['GET', 'DELETE'] },
    ],
  },
  run: {
    entry: 'functions/run/handler.ts',
    routes: [
      { path: '/run', methods: ['GET', 'POST'] },
      { path: '/runjson', methods: ['POST'] },
      { path: '/run/{runID}', methods: ['GET', 'PUT', 'DELETE'] },
    ],
  },
  /** Floe's extension: node-level control and reads (reference/bamboo.md). */
  runNode: {
    entry: 'functions/run-node/handler.ts',
    routes: [
      { path: '/run/{runID}/state', methods: ['GET'] },
      { path: '/run/{runID}/node/{nodeKey}', methods: ['GET', 'PUT'] },
      { path: '/run/{runID}/node/{nodeKey}/history', methods: ['GET'] },
    ],
  },
  /** Floe's extension: the deployment orchestrator's task API (seed 003) over a run's steps. */
  task: {
    entry: 'functions/task/handler.ts',
    routes: [
      { path: '/task', methods: ['GET'] },
      { path: '/task/{taskId}', methods: ['GET'] },
      { path: '/task/{taskId}/{operate}', methods: ['PUT'] },
    ],
  },
  runCache: {
    entry: 'functions/run-cache/handler.ts',
    routes: [
      { path: '/runCache', methods: ['GET'] },
      { path: '/runCache/{runCacheID}', methods: ['GET', 'DELETE'] },
    ],
  },
  artifact: {
    entry: 'functions/artifact/handler.ts',
    routes: [{ path: '/artifact', methods: ['GET', 'DELETE'] }],
  },
  log: {
    entry: 'functions/log/handler.ts',
    routes: [{ path: '/log/run/{runID}', methods: ['GET'] }],
  },
  schedule: {
    entry: 'functions/schedule/handler.ts',
    routes: [
      { path: '/schedule', methods: ['GET', 'POST'] },
      { path: '/schedule/{scheduleID}', methods: ['GET', 'PUT', 'DELETE'] },
    ],
  },
  /** Floe's extension: pipelines bound to event patterns, and the events that start them. */
  trigger: {
    entry: 'functions/trigger/handler.ts',
    routes: [
      { path: '/trigger', methods: ['GET', 'POST'] },
      { path: '/trigger/{triggerID}', methods: ['GET', 'PUT', 'DELETE'] },
      { path: '/event', methods: ['POST'] },
    ],
  },
  /** Floe's extension: where status events are delivered over HTTP. */
  webhook: {
    entry: 'functions/webhook/handler.ts',
    routes: [
      { path: '/webhook', methods: ['GET', 'POST'] },
      { path: '/webhook/{webhookID}', methods: ['GET', 'DELETE'] },
    ],
  },
  /** Floe's extension: this API's OpenAPI 3.1 document (shared/openapi). Public, like login. */
  openapi: {
    entry: 'functions/openapi/handler.ts',
    routes: [{ path: '/openapi.json', methods: ['GET'] }],
  },
} as const satisfies Record<string, ResourceSpec>;

/** Answers every request no route claims (API Gateway's `$default`), with PaddleFlow's 404 PathNotFound. */
export const fallbackResource = { entry: 'functions/not-found/handler.ts' } as const;

export type ResourceName = keyof typeof resources;

type KeysOf<R> = R extends { path: infer P extends string; methods: readonly (infer M extends string)[] }
  ? `${M} ${P}`
  : never;

/** `"GET /user" | "POST /user" | …`: the routes one resource's handler must serve, and no others. */
export type RouteKey<R extends ResourceName> = KeysOf<(typeof resources)[R]['routes'][number]>;

export const resourceNames = Object.keys(resources) as ResourceName[];

/** The full API Gateway route path, e.g. `/api/paddleflow/v1/user/{username}`. */
export const gatewayPath = (route: RouteSpec) => `${API_PREFIX}${route.path}`;

/**
 * Matches a request path against an API Gateway path pattern; returns the path parameters or null.
 * Segments are URL-decoded, as API Gateway does for `pathParameters`.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const expected = want[i]!;
    const actual = got[i]!;
    const name = /^\{(\w+)\}$/.exec(expected)?.[1];
    if (name) {
      if (actual === '') return null;
      try {
        params[name] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (expected !== actual) {
      return null;
    }
  }
  return params;
}

export interface RouteMatch {
  resource: ResourceName;
  route: RouteSpec;
  params: Record<string, string>;
}

/** Which resource's route claims a path, whatever the method: the method is the handler's to check (405). */
export function findRoute(path: string): RouteMatch | null {
  for (const resource of resourceNames) {
    for (const route of resources[resource].routes as readonly RouteSpec[]) {
      const params = matchPath(gatewayPath(route), path);
      if (params) return { resource, route, params };
    }
  }
  return null;
}
