import * as z from 'zod/mini';
import { authenticate, listPaging, userService } from '../../shared/app/core.ts';
import { readBody } from '../../shared/http/body.ts';
import { resourceHandler } from '../../shared/http/handler.ts';
import { empty, ok } from '../../shared/http/response.ts';
import { formatRfc3339 } from '../../shared/http/time.ts';
import type { UserRecord } from '../../shared/store/users.ts';

const CreateUserBody = z.object({
  username: z.optional(z.string()),
  password: z.optional(z.string()),
});

const PasswordBody = z.object({
  password: z.optional(z.string()),
});

/** PaddleFlow's UserInfo: `createTime` is a Go time.Time, so RFC3339 with the server's offset. */
const userView = (user: UserRecord) => ({
  name: user.name,
  createTime: formatRfc3339(new Date(user.createdAt)),
});

const LIST = 'user';

export const handler = resourceHandler(
  'user',
  {
    'POST /user': async ({ actor, body }) => {
      const { username = '', password = '' } = readBody(CreateUserBody, body);
      const user = await userService().create(actor, username, password);
      return ok({ username: user.name });
    },

    'GET /user': async ({ actor, query }) => {
      if (query.user !== undefined) return ok(userView(await userService().get(actor, query.user)));
      const paging = await listPaging(LIST, query);
      const page = await userService().list(actor, paging.request);
      return ok(paging.envelope(page, 'userList', userView));
    },

    'PUT /user/{username}': async ({ actor, params, body }) => {
      const { password = '' } = readBody(PasswordBody, body);
      await userService().changePassword(actor, params.username!, password);
      return empty();
    },

    'DELETE /user/{username}': async ({ actor, params }) => {
      await userService().delete(actor, params.username!);
      return empty();
    },
  },
  { authenticate, guardImpersonation: false },
);
