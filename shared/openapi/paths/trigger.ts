import {
  anyObject,
  array,
  body,
  boolean,
  filterParameter,
  map,
  noBody,
  object,
  operation,
  pathParameter,
  type ResourceDoc,
  ref,
  string,
} from '../build.ts';
import { localTime, markerList } from '../components.ts';

const triggerID = pathParameter('triggerID', 'The trigger: `trigger-000001`.');
const parameters = map(string(), 'Run parameter → a JSON path into the event (`$.detail.key`).');

export const triggerDoc: ResourceDoc<'trigger'> = {
  description:
    "Floe's extension: pipeline versions started by events that match an EventBridge pattern (Floe's own " +
    'status events, and whatever is posted to `POST /event`), with run parameters read from the event.',
  schemas: {
    EventPattern: anyObject(
      'An EventBridge event pattern (exact values, `prefix`, `suffix`, `anything-but`, `numeric`, `exists`, ' +
        '`equals-ignore-case`, `wildcard`, `cidr`, `$or`); at most 2048 characters of JSON.',
    ),
    CreateTriggerRequest: object(
      {
        name: string(),
        desc: string(),
        pipelineID: string(),
        pipelineVersionID: string(),
        pattern: ref('EventPattern'),
        parameters,
        username: string('Root only: the fs user its runs act as.'),
        enabled: boolean('Default true.'),
      },
      { optional: 'all' },
    ),
    UpdateTriggerRequest: object(
      { desc: string(), pattern: ref('EventPattern'), parameters, enabled: boolean() },
      { optional: 'all', description: 'Only the fields given change.' },
    ),
    TriggerCreated: object({ triggerID: string() }),
    Trigger: object({
      triggerID: string(),
      name: string(),
      desc: string(),
      pipelineID: string(),
      pipelineVersionID: string(),
      username: string('The owner: runs are started as this user.'),
      fsConfig: object({ username: string('The fs user the runs act as; `""` for the owner.') }),
      pattern: ref('EventPattern'),
      parameters,
      enabled: boolean(),
      triggerMsg: string('Why the last event failed to start a run; `""` when none has.'),
      createTime: localTime,
      updateTime: localTime,
    }),
    TriggerList: markerList('triggerList', ref('Trigger')),
    EventRequest: object(
      {
        source: string('Who sends it; not `floe`, not `aws.*`. At most 256 characters.'),
        'detail-type': string('What kind of event it is. At most 128 characters. Also read as `detailType`.'),
        detail: anyObject(),
        resources: array(string()),
      },
      { optional: ['resources'], description: 'An event, as EventBridge takes one; at most 256 KB.' },
    ),
    EventPublished: object({ eventID: string() }),
  },
  paths: {
    '/trigger': {
      get: operation({
        id: 'listTriggers',
        summary: 'List triggers',
        description: "The caller's own; root sees everyone's and may filter by user.",
        paged: 'marker',
        parameters: [
          filterParameter('userFilter', "these owners' triggers (root only)"),
          filterParameter('pplFilter', 'the triggers of these pipelines'),
          filterParameter('nameFilter', 'the triggers of these names'),
        ],
        responses: { 200: body('A page of triggers.', ref('TriggerList')) },
        errors: { 403: ['AccessDenied'] },
      }),
      post: operation({
        id: 'createTrigger',
        summary: 'Create a trigger',
        requestBody: { required: true, schema: ref('CreateTriggerRequest') },
        responses: { 201: body('The trigger was created.', ref('TriggerCreated')) },
        errors: {
          400: ['InvalidArguments', 'InvalidNamePattern', 'DuplicatedName'],
          403: ['AccessDenied'],
          404: ['PipelineNotFound'],
        },
      }),
    },
    '/trigger/{triggerID}': {
      get: operation({
        id: 'getTrigger',
        summary: 'Show a trigger',
        parameters: [triggerID],
        responses: { 200: body('The trigger.', ref('Trigger')) },
        errors: { 403: ['AccessDenied'], 404: ['TriggerNotFound'] },
      }),
      put: operation({
        id: 'updateTrigger',
        summary: 'Update a trigger',
        parameters: [triggerID],
        requestBody: { required: false, schema: ref('UpdateTriggerRequest') },
        responses: { 200: body('The trigger as updated.', ref('Trigger')) },
        errors: { 400: ['InvalidArguments'], 403: ['AccessDenied'], 404: ['TriggerNotFound'] },
      }),
      delete: operation({
        id: 'deleteTrigger',
        summary: 'Delete a trigger',
        parameters: [triggerID],
        responses: { 200: noBody('The trigger was deleted.') },
        errors: { 403: ['AccessDenied'], 404: ['TriggerNotFound'] },
      }),
    },
    '/event': {
      post: operation({
        id: 'publishEvent',
        summary: "Put an event on Floe's bus",
        description: 'Triggers whose pattern matches it start their runs.',
        requestBody: { required: true, schema: ref('EventRequest') },
        responses: { 201: body('The event was published.', ref('EventPublished')) },
        errors: { 400: ['InvalidArguments'] },
      }),
    },
  },
};
