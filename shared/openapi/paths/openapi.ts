import { anyObject, body, operation, type ResourceDoc } from '../build.ts';

export const openapiDoc: ResourceDoc<'openapi'> = {
  description: "Floe's extension: this document.",
  paths: {
    '/openapi.json': {
      get: operation({
        id: 'getOpenApiDocument',
        summary: 'This API, as an OpenAPI 3.1 document',
        access: 'public',
        responses: { 200: body('The OpenAPI document.', anyObject('An OpenAPI 3.1 document.')) },
      }),
    },
  },
};
