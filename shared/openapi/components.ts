/**
 * The shared parts of the document: the token scheme, the request id, the paging parameters, PaddleFlow's
 * error body and paging envelopes, and the shapes of what more than one resource shows (runs, nodes, times).
 * Shapes that belong to one resource are in paths/<resource>.ts beside its operations; all of them end up
 * under `components.schemas`.
 */
import {
  array,
  boolean,
  integer,
  map,
  object,
  oneOfStrings,
  queryParameter,
  ref,
  type Schema,
  string,
} from './build.ts';

export const securitySchemes = {
  token: {
    type: 'apiKey',
    in: 'header',
    name: 'x-pf-authorization',
    description:
      'The `authorization` that `POST /login` answers, sent as it is (no `Bearer`). A missing token is 400 ' +
      'AuthWithoutToken, an invalid or expired one (or one issued before a password change) 400 ' +
      "AuthInvalidToken: PaddleFlow's statuses, not 401.",
  },
} as const;

export const headers = {
  RequestId: {
    description: 'The request id: the `x-pf-request-id` the request carried, or a new UUID.',
    schema: { type: 'string' },
  },
} as const;

export const parameters = {
  requestId: {
    name: 'x-pf-request-id',
    in: 'header',
    description:
      'Optional request id, echoed on the response and in error bodies; a UUID is made when absent.',
    schema: { type: 'string' },
  },
  marker: queryParameter(
    'marker',
    "The previous page's `nextMarker`, as it was: opaque, signed and bound to this list (a forged, altered or " +
      "another list's marker is 400 InvalidMarker). Absent: the first page.",
  ),
  maxKeys: queryParameter('maxKeys', 'Page size. Anything but an integer from 1 to 1000 is 400 InvalidURI.', {
    schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  }),
  timeMarker: queryParameter(
    'marker',
    "The previous page's `nextMarker` (opaque, signed, bound to this list), or PaddleFlow's local time " +
      '`YYYY-MM-DD HH:MM:SS`: the rows created strictly before it. Absent: the newest rows.',
  ),
} as const;

/** A PaddleFlow time (the shared schema LocalTime). */
export const localTime = ref('LocalTime');

export const sharedSchemas = {
  Error: object(
    {
      requestID: string('The request id, as in the `x-pf-request-id` response header.'),
      code: string("PaddleFlow's error code; it decides the HTTP status."),
      message: string('What went wrong; may be `""` (PathNotFound, MethodNotAllowed).'),
    },
    {
      description:
        "PaddleFlow's error body: every failure has it, whatever the status. An unknown path is 404 " +
        'PathNotFound, a known path with a method it does not serve 405 MethodNotAllowed, an unexpected ' +
        'failure 500 InternalError.',
    },
  ),
  MarkerPage: object(
    {
      maxKeys: integer('The page size used.'),
      isTruncated: boolean('Whether more rows follow.'),
      nextMarker: string('The `marker` of the next page; only when `isTruncated`.'),
    },
    { optional: ['nextMarker'], description: "PaddleFlow's marker paging envelope; the list is beside it." },
  ),
  TimePage: object(
    {
      marker: string('The marker given, or the current local time when none was.'),
      truncated: boolean('Whether more rows follow.'),
      nextMarker: string('The `marker` of the next page; `""` on the last page.'),
    },
    { description: 'The time-based paging envelope of the fs and link lists, newest first.' },
  ),
  /** PaddleFlow's times: `YYYY-MM-DD HH:MM:SS` in the server's local time zone. */
  LocalTime: {
    type: 'string',
    pattern: '^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)?$',
    description: 'Server local time; `""` when there is none.',
  },
  ParamValue: {
    description: 'A parameter value: a string, a number, or a list of them (a loop argument).',
    anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'array', items: ref('ParamValue') }],
  },
  RunStatus: oneOfStrings(
    [
      'initiating',
      'pending',
      'running',
      'succeeded',
      'failed',
      'terminating',
      'terminated',
      'skipped',
      'paused',
    ],
    "A run's status: PaddleFlow's, and Floe's `paused` (an operator paused it; not final).",
  ),
  ComponentStatus: oneOfStrings(
    [
      'init',
      'pending',
      'running',
      'succeeded',
      'failed',
      'terminating',
      'terminated',
      'cancelled',
      'skipped',
    ],
    "A job's or DAG's status, as PaddleFlow names them. A step of a debug run that failed and waits for an " +
      'operator shows as `failed`.',
  ),
  Operator: object(
    {
      action: string('The action: `forceFail`, `skip`, `retry`…'),
      user: string('Who did it.'),
      at: string('When: an ISO 8601 instant.'),
    },
    { description: 'The last operator action that moved a node attempt.' },
  ),
  ArtifactPaths: map(string(), 'Artifact name → its path on the fs.'),
  StringMap: map(string()),
} as const satisfies Record<string, Schema>;

/** The marker-paged list `listKey` of `item`s. */
export const markerList = (listKey: string, item: Schema): Schema => ({
  allOf: [ref('MarkerPage'), object({ [listKey]: array(item) })],
});

/** The time-paged list `listKey` of `item`s. */
export const timeList = (listKey: string, item: Schema): Schema => ({
  allOf: [ref('TimePage'), object({ [listKey]: array(item) })],
});
