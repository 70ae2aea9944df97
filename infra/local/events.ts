/**
 * Translation between a Node HTTP exchange and API Gateway's HTTP API (payload format 2.0), so the handlers
 * run locally on exactly the event shape they get in AWS.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const TEXT_CONTENT = /^(application\/(json|x-yaml|yaml|x-www-form-urlencoded)|text\/)|\+json|\+xml/i;

/** Multi-valued headers and query parameters are joined with commas, as API Gateway does. */
function joinValues(entries: Iterable<[string, string]>): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [key, value] of entries) joined[key] = key in joined ? `${joined[key]},${value}` : value;
  return joined;
}

export interface MatchedRoute {
  /** `ANY /api/paddleflow/v1/user/{username}`, or `$default` when no route matched. */
  routeKey: string;
  pathParameters?: Record<string, string>;
}

export function toGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  route: MatchedRoute,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers = joinValues(
    Object.entries(request.headersDistinct).flatMap(([name, values]) =>
      (values ?? []).map((value): [string, string] => [name.toLowerCase(), value]),
    ),
  );
  const { cookie, ...otherHeaders } = headers;
  const query = joinValues(url.searchParams.entries());
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || contentType === '' || TEXT_CONTENT.test(contentType);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: cookie ? cookie.split(/;\s*/) : undefined,
    headers: otherHeaders,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: route.pathParameters,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !isText,
  };
}

export function writeGatewayResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  const body = result.body
    ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8')
    : Buffer.alloc(0);
  response.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, String(value));
  if (result.cookies?.length) response.setHeader('set-cookie', result.cookies);
  response.setHeader('content-length', body.length);
  response.end(body);
}
