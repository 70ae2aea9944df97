/**
 * The mailbox a handler posts to: the run's SQS FIFO queue in AWS (`FLOE_MAILBOX_URL`), the in-process queue
 * of the local runtime otherwise (which registers it at start-up, in the same process as the handlers).
 */
import type { Mailbox } from './ports.ts';
import { SqsMailbox } from './sqs-mailbox.ts';

let local: Mailbox | undefined;

export function registerLocalMailbox(mailbox: Mailbox | undefined): void {
  local = mailbox;
}

let sqs: Mailbox | undefined;

export function mailboxFromEnv(): Mailbox {
  if (process.env.FLOE_MAILBOX_URL) {
    sqs ??= new SqsMailbox();
    return sqs;
  }
  if (!local) throw new Error('no mailbox: FLOE_MAILBOX_URL is unset and no local runtime registered one');
  return local;
}
