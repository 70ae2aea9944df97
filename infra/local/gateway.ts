/**
 * The local stand-in for API Gateway: matches each request against the shared route table, builds the HTTP API
 * v2 event, invokes the very handler CDK deploys for that route, and writes its result back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  fallbackResource,
  findRoute,
  gatewayPath,
  type ResourceName,
  resourceNames,
  resources,
} from '../../shared/routes.ts';
import { fromRepoRoot } from '../paths.ts';
import { toGatewayEvent, writeGatewayResult } from './events.ts';

type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway's own payload limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const LAMBDA_TIMEOUT_MS = 29_000;

async function importHandler(entry: string): Promise<LambdaHandler> {
  const module = (await import(pathToFileURL(fromRepoRoot(entry)).href)) as {
    handler: LambdaHandler;
  };
  return module.handler;
}

export interface Handlers {
  byResource: Record<ResourceName, LambdaHandler>;
  fallback: LambdaHandler;
}

export async function loadHandlers(): Promise<Handlers> {
  const loaded = await Promise.all(resourceNames.map((name) => importHandler(resources[name].entry)));
  return {
    byResource: Object.fromEntries(
      resourceNames.map((name, i) => [name, loaded[i]]),
    ) as Handlers['byResource'],
    fallback: await importHandler(fallbackResource.entry),
  };
}

function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + LAMBDA_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

async function readRequestBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function createGateway(handlers: Handlers, onError: (error: unknown) => void): Server {
  return createServer(async (request, response) => {
    try {
      const body = await readRequestBody(request);
      if (body === null) {
        writeGatewayResult(response, {
          statusCode: 413,
          body: JSON.stringify({ message: 'Request Entity Too Large' }),
        });
        return;
      }
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const match = findRoute(path);
      const event = toGatewayEvent(
        request,
        body,
        match
          ? { routeKey: `ANY ${gatewayPath(match.route)}`, pathParameters: match.params }
          : { routeKey: '$default' },
      );
      const handler = match ? handlers.byResource[match.resource] : handlers.fallback;
      const result = await handler(event, lambdaContext(match?.resource ?? 'not-found'));
      writeGatewayResult(response, result);
    } catch (error) {
      // What API Gateway answers when the function itself fails.
      onError(error);
      if (!response.headersSent) {
        writeGatewayResult(response, {
          statusCode: 500,
          body: JSON.stringify({ message: 'Internal Server Error' }),
        });
      }
    }
  });
}
