/**
 * `GET /openapi.json` (Floe's extension): this API's OpenAPI 3.1 document (shared/openapi). Public, like login:
 * no token, so no table and no secret; the document is built once per container.
 */
import { resourceHandler } from '../../shared/http/handler.ts';
import { ok } from '../../shared/http/response.ts';
import { buildOpenApiDocument } from '../../shared/openapi/document.ts';

let document: string | undefined;

export const handler = resourceHandler('openapi', {
  'GET /openapi.json': async () => {
    document ??= ok(buildOpenApiDocument()).body;
    return { statusCode: 200, body: document };
  },
});
