/**
 * The process a local lambda step runs in (lambda-invoke.ts starts it with plain Node, types stripped): reads
 * the request from stdin, imports the module, calls its `handler(event, context)`, awaits it, and writes the
 * answer as JSON on file descriptor 3, the channel its parent reads (stdout and stderr are the job's log). Then
 * it exits, as a Lambda environment freezes once the handler returned, whatever the module left running.
 * Errors take Lambda's names: `Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, or the thrown error's.
 */
import { createWriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface LambdaChildRequest {
  modulePath: string;
  payload: unknown;
  context: { functionName: string; awsRequestId: string; deadlineMs: number };
}

export type LambdaChildAnswer =
  | { ok: true; result: unknown }
  | { ok: false; errorType: string; errorMessage: string };

type Handler = (event: unknown, context: unknown) => unknown;

const failure = (errorType: string, errorMessage: string): LambdaChildAnswer => ({
  ok: false,
  errorType,
  errorMessage,
});

function thrown(error: unknown): LambdaChildAnswer {
  if (error instanceof Error) return failure(error.name || 'Error', error.message);
  return failure('Error', typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function answer(request: LambdaChildRequest): Promise<LambdaChildAnswer> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(request.modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    return failure(
      'Runtime.ImportModuleError',
      `cannot load ${request.modulePath}: ${(error as Error).message}`,
    );
  }
  const fromDefault = (loaded.default as Record<string, unknown> | undefined)?.handler;
  const handler = (typeof loaded.handler === 'function' ? loaded.handler : fromDefault) as
    | Handler
    | undefined;
  if (typeof handler !== 'function')
    return failure('Runtime.HandlerNotFound', `${request.modulePath} does not export a handler function`);
  const { deadlineMs, ...names } = request.context;
  const context = {
    ...names,
    functionVersion: '$LATEST',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  try {
    const result = await handler(request.payload, context);
    return { ok: true, result: result === undefined ? null : result };
  } catch (error) {
    return thrown(error);
  }
}

const request = JSON.parse(await readStdin()) as LambdaChildRequest;
const result = await answer(request);
let text: string;
try {
  text = JSON.stringify(result);
} catch (error) {
  text = JSON.stringify(
    failure('Runtime.MarshalError', `the handler's result is not JSON: ${(error as Error).message}`),
  );
}
createWriteStream('', { fd: 3 }).end(text, () => process.exit(0));
