/**
 * Callback and approval steps: the execution runs nothing. It posts a `waiting` event with its task token to
 * the run's mailbox (SQS `sendMessage.waitForTaskToken`) and waits until the callback API resolves the token
 * (SendTaskSuccess / SendTaskFailure) or the step's timeout passes. The resolution carries who resolved it,
 * with what data, and the node's message; a failure's rides in the error's `Cause` as JSON.
 */
import type { CallbackResult } from '../engine/run/model.ts';
import { eventOf, mailboxMessage, oncePerExecution, retryOn, toMailbox } from './machine-parts.ts';
import { NODE_STATES } from './node-states.ts';

/** The error a failed callback (a rejection) is sent with: its `Cause` is the resolution as JSON. */
export const CALLBACK_FAILED_ERROR = 'Floe.CallbackFailed';

/** How long a callback or approval step waits when its YAML sets no `timeout`. */
export const CALLBACK_TIMEOUT_SECONDS = 7 * 24 * 60 * 60;

/** What resolves a waiting execution: SendTaskSuccess's output, or (as JSON) SendTaskFailure's cause. */
export interface CallbackResolution {
  status: 'succeeded' | 'failed';
  message: string;
  result: CallbackResult;
}

/** SQS's own errors: the message may be sent again (its deduplication id keeps it one). */
const SEND_RETRY = retryOn(['SQS.AmazonSQSException', 'SQS.SdkClientException']);

/** A `finished` report whose status, message and callback result are read under `path`. */
const reportResolution = (path: string) => ({
  ...toMailbox(
    oncePerExecution('finished'),
    eventOf('finished', {
      'status.$': `${path}.status`,
      'message.$': `${path}.message`,
      'callback.$': `${path}.result`,
    }),
  ),
  End: true,
});

export function callbackStates() {
  const S = NODE_STATES;
  return {
    [S.waitForCallback]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      // Deduplicated by the token: a retried send gets a new token, whose message must not be dropped as a
      // repeat of the last (the run keeps the newest token it hears of); the same token sent twice is one.
      Parameters: mailboxMessage(
        "States.Hash($$.Task.Token, 'SHA-256')",
        eventOf('waiting', { 'token.$': '$$.Task.Token' }),
      ),
      TimeoutSecondsPath: '$.timeoutSeconds',
      ResultPath: '$.callback',
      Retry: SEND_RETRY,
      Catch: [
        { ErrorEquals: [CALLBACK_FAILED_ERROR], ResultPath: '$.error', Next: S.readRejection },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: S.timedOut },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.executeError },
      ],
      Next: S.reportResolved,
    },
    [S.reportResolved]: reportResolution('$.callback'),
    [S.readRejection]: {
      Type: 'Pass',
      Parameters: { 'value.$': 'States.StringToJson($.error.Cause)' },
      ResultPath: '$.rejection',
      Next: S.reportRejected,
    },
    [S.reportRejected]: reportResolution('$.rejection.value'),
  };
}
