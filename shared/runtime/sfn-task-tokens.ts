/**
 * Task tokens in AWS: a waiting NodeMachine execution (`sqs:sendMessage.waitForTaskToken`) is resolved with
 * SendTaskSuccess or SendTaskFailure. A token that no longer waits (already resolved, timed out, or its
 * execution stopped) is refused by Step Functions; that is an answer (`false`), not an error.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { CallbackResolution } from '../machines/callback-states.ts';
import { traced } from '../observability/tracer.ts';
import type { TaskTokens } from './ports.ts';

let client: SFNClient | undefined;
/** One client per container, made on first use. */
const sfnClient = () => (client ??= traced(new SFNClient({})));

/** What Step Functions answers for a token nothing waits on any more. */
const NOT_WAITING = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

async function answered(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (error instanceof Error && NOT_WAITING.has(error.name)) return false;
    throw error;
  }
}

export class SfnTaskTokens implements TaskTokens {
  succeed(token: string, output: CallbackResolution): Promise<boolean> {
    return answered(() =>
      sfnClient().send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })),
    );
  }

  fail(token: string, error: string, cause: string): Promise<boolean> {
    return answered(() => sfnClient().send(new SendTaskFailureCommand({ taskToken: token, error, cause })));
  }
}
