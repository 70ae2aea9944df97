import { body, object, operation, type ResourceDoc, ref, string } from '../build.ts';

export const loginDoc: ResourceDoc<'login'> = {
  description: "PaddleFlow's login: a user's name and password for the token every other call carries.",
  schemas: {
    LoginRequest: object(
      { username: string(), password: string() },
      { optional: 'all', description: 'A missing field reads as `""`.' },
    ),
    LoginResponse: object({
      authorization: string('The token: send it as the `x-pf-authorization` header.'),
    }),
  },
  paths: {
    '/login': {
      post: operation({
        id: 'login',
        summary: 'Log in',
        description:
          'Root is created at the first login, with the configured password (`paddleflow` by default). A ' +
          "password change invalidates the user's earlier tokens. Tokens never expire unless the server sets " +
          'a lifetime (`FLOE_TOKEN_TTL_HOURS`).',
        access: 'public',
        requestBody: { required: true, schema: ref('LoginRequest') },
        responses: { 200: body('The token.', ref('LoginResponse')) },
        errors: { 400: ['UserNotExist', 'AuthFailed'] },
      }),
    },
  },
};
