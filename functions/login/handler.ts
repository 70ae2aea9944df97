import * as z from 'zod/mini';
import { userService } from '../../shared/app/core.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { ok } from '../../shared/http/response.ts';

const LoginBody = z.object({
  username: z.optional(z.string()),
  password: z.optional(z.string()),
});

export const handler = resourceHandler('login', {
  'POST /login': async (request) => {
    const { username = '', password = '' } = readBody(LoginBody, request.body);
    return ok({ authorization: await userService().login(username, password) });
  },
});
