/**
 * The NodeMachine's state names: the local runner keys its Task handlers (and time overrides) on them. Names
 * are unique across the whole machine, the states of a Map's iterations included (StopTimedOutTask runs in
 * the StopTimedOutTasks Map): the interpreter keys a nested Task's handler on its name too.
 */
export const NODE_STATES = {
  cacheEnabled: 'CacheEnabled',
  checkCache: 'CheckCache',
  cacheVerdict: 'CacheVerdict',
  waitForCachedJob: 'WaitForCachedJob',
  reportCacheHit: 'ReportCacheHit',
  reportStarted: 'ReportStarted',
  selectExecutor: 'SelectExecutor',
  executeContainer: 'ExecuteContainer',
  listTimedOutTask: 'ListTimedOutTask',
  foundTimedOutTask: 'FoundTimedOutTask',
  stopTimedOutTasks: 'StopTimedOutTasks',
  stopTimedOutTask: 'StopTimedOutTask',
  checkContainer: 'CheckContainer',
  succeeded: 'Succeeded',
  terminated: 'Terminated',
  exitedWithReason: 'ExitedWithReason',
  exited: 'Exited',
  notRunWithReason: 'NotRunWithReason',
  notRun: 'NotRun',
  executeLambda: 'ExecuteLambda',
  httpWithBody: 'HttpWithBody',
  executeHttp: 'ExecuteHttp',
  executeHttpWithBody: 'ExecuteHttpWithBody',
  checkHttpResponse: 'CheckHttpResponse',
  httpResponseWithBody: 'HttpResponseWithBody',
  httpResponseWithoutBody: 'HttpResponseWithoutBody',
  reportOutputs: 'ReportOutputs',
  executeError: 'ExecuteError',
  errorWithCause: 'ErrorWithCause',
  errorWithoutCause: 'ErrorWithoutCause',
  timedOut: 'TimedOut',
  canRetry: 'CanRetry',
  prepareRetry: 'PrepareRetry',
  reportRetrying: 'ReportRetrying',
  waitBeforeRetry: 'WaitBeforeRetry',
  waitForCallback: 'WaitForCallback',
  reportResolved: 'ReportResolved',
  readRejection: 'ReadRejection',
  reportRejected: 'ReportRejected',
  reportFinished: 'ReportFinished',
} as const;

export type NodeStateName = (typeof NODE_STATES)[keyof typeof NODE_STATES];

/** The Task states that post to the mailbox and nothing else (locally: one handler that posts). */
export const NODE_REPORT_STATES = [
  NODE_STATES.reportCacheHit,
  NODE_STATES.reportStarted,
  NODE_STATES.reportRetrying,
  NODE_STATES.reportResolved,
  NODE_STATES.reportRejected,
  NODE_STATES.reportOutputs,
  NODE_STATES.reportFinished,
] as const;

/**
 * The Task states, each of which needs a local handler (a Task without one would call real AWS): the reports,
 * and those that do something else (StopTimedOutTask within its Map). Listed by hand, not read off the
 * definition: it is what the tests hold the definition's Task states to.
 */
export const NODE_TASK_STATES = [
  NODE_STATES.checkCache,
  NODE_STATES.executeContainer,
  NODE_STATES.listTimedOutTask,
  NODE_STATES.stopTimedOutTask,
  NODE_STATES.executeLambda,
  NODE_STATES.executeHttp,
  NODE_STATES.executeHttpWithBody,
  NODE_STATES.waitForCallback,
  ...NODE_REPORT_STATES,
] as const;
