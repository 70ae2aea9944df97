import {
  body,
  noBody,
  object,
  operation,
  pathParameter,
  queryParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { markerList } from '../components.ts';

const username = pathParameter('username', 'The user.');

export const userDoc: ResourceDoc<'user'> = {
  description:
    "PaddleFlow's users. Root manages them; a user may change their own password. `username` names the user " +
    "acted on, so PaddleFlow's impersonation guard does not apply here.",
  schemas: {
    CreateUserRequest: object(
      {
        username: string('4 to 16 letters or digits.'),
        password: string('At least 6 characters, with a digit and a lowercase letter.'),
      },
      { optional: 'all' },
    ),
    CreateUserResponse: object({ username: string() }),
    PasswordRequest: object({ password: string('The new password, by the same rule.') }, { optional: 'all' }),
    User: object({
      name: string(),
      createTime: string('RFC 3339 with the server\'s offset ("Z" at UTC), as Go renders a time.Time.'),
    }),
    UserList: markerList('userList', ref('User')),
  },
  paths: {
    '/user': {
      get: operation({
        id: 'listUsers',
        summary: 'List users, or show one',
        description: 'Root only. With `user`, that one user (not paged); without it, every user, paged.',
        access: 'token',
        paged: 'marker',
        parameters: [queryParameter('user', 'Show this user instead of the list.')],
        responses: {
          200: body('The user list, or the one user asked for.', {
            oneOf: [ref('UserList'), ref('User')],
          }),
        },
        errors: { 400: ['UserNotExist'], 403: ['OnlyRootAllowed', 'AccessDenied'] },
      }),
      post: operation({
        id: 'createUser',
        summary: 'Create a user',
        description: 'Root only. The name and the password are checked before the caller is.',
        access: 'token',
        requestBody: { required: true, schema: ref('CreateUserRequest') },
        responses: { 200: body('The user was created.', ref('CreateUserResponse')) },
        errors: {
          400: ['InvalidNamePattern', 'UserPasswordWeak', 'InvalidArguments'],
          403: ['OnlyRootAllowed', 'UserNameDuplicated'],
        },
      }),
    },
    '/user/{username}': {
      put: operation({
        id: 'changePassword',
        summary: "Change a user's password",
        description: "Root, or the user themself. The user's earlier tokens stop working.",
        access: 'token',
        parameters: [username],
        requestBody: { required: true, schema: ref('PasswordRequest') },
        responses: { 200: noBody('The password was changed.') },
        errors: {
          400: ['UserPasswordWeak', 'InvalidArguments', 'UserNotExist', 'InvalidState'],
          403: ['AccessDenied'],
        },
      }),
      delete: operation({
        id: 'deleteUser',
        summary: 'Delete a user',
        description: 'Root only; root itself cannot be deleted.',
        access: 'token',
        parameters: [username],
        responses: { 200: noBody('The user was deleted.') },
        errors: { 400: ['UserNotExist'], 403: ['AccessDenied'] },
      }),
    },
  },
};
