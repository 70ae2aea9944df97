/**
 * Lambda and http steps: the execution calls a function (`lambda:invoke`) or sends one request (Step Functions'
 * HTTP Task, `http:invoke`) and reports what came back as the step's `outputs`. A function's error, a non-2xx
 * answer (`States.Http.StatusCode.<code>`, its cause carrying the body) and any other failure go through
 * `ExecuteError`, a try that runs too long through `TimedOut`: both then CanRetry, so the step's retry
 * policy applies. A request has a body only when the job has one (`$.http.hasBody` picks the state): a
 * parameter path to a missing field is an error. Likewise an answer may come without a body (a 204, a HEAD):
 * the HTTP Task's result then has no `ResponseBody`, so it is read only on the Choice branch that checked it is
 * present (a path to a missing field is a `States.Runtime` error that no Catch handles); an answer without
 * one has the body `''`, as an empty body is locally (infra/local/executor/http-invoke.ts).
 */
import { LAMBDA_RETRY, placeholder, report } from './machine-parts.ts';
import { NODE_STATES } from './node-states.ts';

const S = NODE_STATES;

/** The failure paths of a call: timeout first (States.ALL does not match it), then any error. */
const CALL_CATCH = [
  { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: S.timedOut },
  { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.executeError },
];

/** An http:invoke Task; with `body`, it sends `$.http.body`. */
function httpTask(withBody: boolean) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::http:invoke',
    Parameters: {
      'ApiEndpoint.$': '$.http.url',
      'Method.$': '$.http.method',
      'Headers.$': '$.http.headers',
      ...(withBody ? { 'RequestBody.$': '$.http.body' } : {}),
      Authentication: { ConnectionArn: placeholder('HttpConnectionArn') },
    },
    TimeoutSecondsPath: '$.timeoutSeconds',
    // The whole result ({StatusCode, StatusText, Headers, ResponseBody?}): CheckHttpResponse reads it.
    ResultPath: '$.response',
    Catch: CALL_CATCH,
    Next: S.checkHttpResponse,
  };
}

/** A Pass that sets the call's outputs, `{status, body}`, where ReportOutputs reads them. */
const httpOutputs = (body: Record<string, unknown>) => ({
  Type: 'Pass',
  Parameters: { outputs: { 'status.$': '$.response.StatusCode', ...body } },
  ResultPath: '$.result',
  Next: S.reportOutputs,
});

export function callStates() {
  return {
    [S.executeLambda]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'FunctionName.$': '$.lambda.function', 'Payload.$': '$.lambda.payload' },
      TimeoutSecondsPath: '$.timeoutSeconds',
      ResultSelector: { 'outputs.$': '$.Payload' },
      ResultPath: '$.result',
      // Lambda's own transient errors only; the function's errors are the step's (CanRetry decides).
      Retry: LAMBDA_RETRY,
      Catch: CALL_CATCH,
      Next: S.reportOutputs,
    },
    [S.httpWithBody]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.http.hasBody', BooleanEquals: true, Next: S.executeHttpWithBody }],
      Default: S.executeHttp,
    },
    [S.executeHttp]: httpTask(false),
    [S.executeHttpWithBody]: httpTask(true),
    [S.checkHttpResponse]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.response.ResponseBody', IsPresent: true, Next: S.httpResponseWithBody }],
      Default: S.httpResponseWithoutBody,
    },
    [S.httpResponseWithBody]: httpOutputs({ 'body.$': '$.response.ResponseBody' }),
    [S.httpResponseWithoutBody]: httpOutputs({ body: '' }),
    // A call that succeeded: what it returned is the step's outputs.
    [S.reportOutputs]: {
      ...report('finished', {
        status: 'succeeded',
        message: '',
        'outputs.$': '$.result.outputs',
      }),
      End: true,
    },
  };
}
