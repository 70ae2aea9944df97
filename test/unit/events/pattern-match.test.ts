/** Matching events against EventBridge patterns, rule by rule, each with events that match and events that do not. */
import { describe, expect, it } from 'vitest';
import { matchesEventPattern, parseEventPattern } from '../../../shared/engine/events/index.ts';

const matches = (pattern: unknown, event: unknown) => matchesEventPattern(parseEventPattern(pattern), event);

/** Asserts the pattern matches every event in `yes` and none in `no`. */
function expectMatches(pattern: unknown, yes: unknown[], no: unknown[]) {
  for (const event of yes) expect(matches(pattern, event), JSON.stringify(event)).toBe(true);
  for (const event of no) expect(matches(pattern, event), JSON.stringify(event)).toBe(false);
}

describe('EventBridge event patterns: values', () => {
  it('matches strings exactly and case-sensitively, the empty string included', () => {
    expectMatches(
      { state: ['done', 'failed'] },
      [{ state: 'done' }, { state: 'failed' }],
      [{ state: 'Done' }, { state: 'done ' }, { state: 'running' }, { other: 'done' }],
    );
    expectMatches({ state: [''] }, [{ state: '' }], [{ state: null }, {}, { state: ' ' }]);
  });

  it('matches numbers by value, to six decimal places, whatever their JSON spelling', () => {
    const pattern = { size: [5, 301.8] };
    expectMatches(
      pattern,
      [
        JSON.parse('{"size": 5}'),
        JSON.parse('{"size": 5.0}'),
        JSON.parse('{"size": 3.018e2}'),
        { size: 5.0000001 },
      ],
      [{ size: '5' }, { size: 5.000001 }, { size: 6 }, { size: 301.81 }, {}],
    );
    // Beyond ±5e9 there is no numeric form; the number still matches itself (an account id, say).
    expectMatches({ account: [123456789012] }, [{ account: 123456789012 }], [{ account: 123456789013 }]);
  });

  it('matches booleans only as booleans', () => {
    expectMatches(
      { cached: [true] },
      [{ cached: true }],
      [{ cached: false }, { cached: 'true' }, { cached: 1 }, {}],
    );
  });

  it('matches null only as JSON null, never as a missing field or an empty string', () => {
    expectMatches(
      { detail: { error: [null] } },
      [{ detail: { error: null } }],
      [{ detail: {} }, { detail: { error: '' } }, { detail: { error: 'null' } }, {}],
    );
  });

  it('matches an array field when any element matches, flattening nested arrays', () => {
    expectMatches(
      { resources: ['arn:floe:run/b'] },
      [
        { resources: ['arn:floe:run/a', 'arn:floe:run/b'] },
        { resources: 'arn:floe:run/b' },
        { resources: [['arn:floe:run/a'], ['arn:floe:run/b']] },
      ],
      [{ resources: ['arn:floe:run/a'] }, { resources: [] }, { resources: [{ arn: 'arn:floe:run/b' }] }],
    );
  });

  it('matches nested objects level by level; an object is not a value', () => {
    const pattern = { detail: { run: { status: ['succeeded'] } } };
    expectMatches(
      pattern,
      [{ detail: { run: { status: 'succeeded', id: 'run-1' }, extra: 1 } }],
      [
        { detail: { run: { status: 'failed' } } },
        { detail: { status: 'succeeded' } },
        { detail: 'succeeded' },
        { detail: { run: { status: { value: 'succeeded' } } } },
        { status: 'succeeded' },
      ],
    );
  });

  it('matches a nested pattern against one array element at a time (array consistency)', () => {
    const event = {
      employees: [
        { first: 'Anna', last: 'Smith' },
        { first: 'Peter', last: 'Jones' },
      ],
    };
    expectMatches({ employees: { first: ['Anna'], last: ['Smith'] } }, [event], []);
    expectMatches({ employees: { first: ['Anna'], last: ['Jones'] } }, [], [event]);
    expectMatches({ employees: { first: ['Peter'] } }, [event, { employees: [[{ first: 'Peter' }]] }], [{}]);
  });
});

describe('EventBridge event patterns: content filters', () => {
  it('prefix matches the start of strings only', () => {
    expectMatches(
      { time: [{ prefix: '2024-05-' }] },
      [{ time: '2024-05-01T00:00:00Z' }, { time: '2024-05-' }],
      [{ time: '2024-06-01T00:00:00Z' }, { time: ' 2024-05-01' }, { time: 20240501 }, {}],
    );
    expectMatches({ time: [{ prefix: '' }] }, [{ time: '' }, { time: 'x' }], [{ time: 1 }, { time: null }]);
  });

  it('prefix with equals-ignore-case ignores the case of the start', () => {
    expectMatches(
      { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
      [{ service: 'eventbridge' }, { service: 'EVENTBRIDGE' }, { service: 'EventB' }],
      [{ service: 'Bridge' }, { service: 'event' }, {}],
    );
  });

  it('suffix matches the end of strings only', () => {
    expectMatches(
      { file: [{ suffix: '.png' }] },
      [{ file: 'a.png' }, { file: '.png' }],
      [{ file: 'a.PNG' }, { file: 'a.png.bak' }, { file: 1 }, {}],
    );
  });

  it('suffix with equals-ignore-case ignores the case of the end', () => {
    expectMatches(
      { file: [{ suffix: { 'equals-ignore-case': '.png' } }] },
      [{ file: 'a.PNG' }, { file: 'b.Png' }],
      [{ file: 'a.jpg' }, { file: 'png' }],
    );
    expectMatches(
      { file: [{ suffix: { 'equals-ignore-case': '.PnG' } }] },
      [{ file: 'a.png' }, { file: 'b.PNG' }],
      [{ file: 'a.jpg' }],
    );
  });

  it('equals-ignore-case matches whole strings in any case', () => {
    expectMatches(
      { name: [{ 'equals-ignore-case': 'alice' }] },
      [{ name: 'Alice' }, { name: 'ALICE' }],
      [{ name: 'Alice ' }, { name: 'alicia' }, { name: null }, {}],
    );
    expectMatches({ name: [{ 'equals-ignore-case': 'ALIce' }] }, [{ name: 'alice' }], [{ name: 'alicia' }]);
  });

  it('wildcard: * is any run of characters, including none; \\* is a literal asterisk', () => {
    const arn = { arn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expectMatches(
      arn,
      [
        { arn: 'arn:aws:events:us-east-1:123456789012:event-bus/floe' },
        { arn: 'arn:aws:events:us-east-1::event-bus/' },
      ],
      [
        { arn: 'arn:aws:events:eu-west-1:123456789012:event-bus/floe' },
        { arn: 'arn:aws:events:us-east-1:1' },
      ],
    );
    expectMatches(
      { name: [{ wildcard: '*a*a*a*b' }] },
      [{ name: 'aaab' }, { name: 'xaxaxaxb' }],
      [{ name: 'aab' }, { name: `${'a'.repeat(5000)}c` }],
    );
    expectMatches({ name: [{ wildcard: 'a\\*b' }] }, [{ name: 'a*b' }], [{ name: 'axb' }, { name: 'ab' }]);
    expectMatches({ name: [{ wildcard: 'c:\\\\*' }] }, [{ name: 'c:\\tmp' }], [{ name: 'c:tmp' }]);
    expectMatches({ name: [{ wildcard: '*' }] }, [{ name: '' }, { name: 'x' }], [{ name: 5 }, {}]);
  });

  it('anything-but with strings and numbers matches every present value but the listed ones', () => {
    expectMatches(
      { state: [{ 'anything-but': 'initializing' }] },
      [
        { state: 'running' },
        { state: 'INITIALIZING' },
        { state: 5 },
        { state: null },
        { state: ['initializing', 'running'] },
      ],
      [{ state: 'initializing' }, { state: ['initializing'] }],
    );
    expectMatches(
      { state: [{ 'anything-but': ['stopped', 'overloaded'] }] },
      [{ state: 'running' }],
      [{ state: 'stopped' }, { state: 'overloaded' }],
    );
    expectMatches(
      { limit: [{ 'anything-but': [100, 200] }] },
      [{ limit: 150 }, { limit: '100' }, { limit: [100, 50] }],
      [{ limit: 100 }, JSON.parse('{"limit": 2.0e2}')],
    );
  });

  it('anything-but does not match a missing field, an empty array or an object', () => {
    for (const exclusion of [
      'initializing',
      [1, 2],
      { prefix: 'init' },
      { suffix: '.tmp' },
      { 'equals-ignore-case': 'x' },
      { wildcard: '*/lib/*' },
    ]) {
      const pattern = { detail: { state: [{ 'anything-but': exclusion }] } };
      expectMatches(
        pattern,
        [{ detail: { state: null } }],
        [{ detail: {} }, {}, { detail: { state: [] } }, { detail: { state: { nested: 'x' } } }],
      );
    }
  });

  it('anything-but prefix and suffix leave out strings with that start or end, one or a list', () => {
    expectMatches(
      { source: [{ 'anything-but': { prefix: 'aws.' } }] },
      [{ source: 'floe' }, { source: 12 }],
      [{ source: 'aws.ec2' }],
    );
    expectMatches(
      { state: [{ 'anything-but': { prefix: ['init', 'stop'] } }] },
      [{ state: 'running' }],
      [{ state: 'initializing' }, { state: 'stopped' }],
    );
    expectMatches(
      { file: [{ 'anything-but': { suffix: ['.txt', '.rtf'] } }] },
      [{ file: 'a.png' }, { file: 'a.TXT' }],
      [{ file: 'a.txt' }, { file: 'b.rtf' }],
    );
  });

  it('anything-but equals-ignore-case leaves out every casing of the listed strings', () => {
    expectMatches(
      { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
      [{ state: 'running' }, { state: 7 }],
      [{ state: 'INITIALIZING' }, { state: 'Stopped' }],
    );
    expectMatches(
      { state: [{ 'anything-but': { 'equals-ignore-case': 'StOpPeD' } }] },
      [{ state: 'running' }],
      [{ state: 'stopped' }, { state: 'STOPPED' }],
    );
  });

  it('anything-but wildcard leaves out strings the wildcard matches', () => {
    expectMatches(
      { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      [{ path: 'src/app.ts' }, { path: 123 }],
      [{ path: 'node_modules/lib/x.js' }],
    );
    expectMatches(
      { path: [{ 'anything-but': { wildcard: ['*.tmp', '*.bak'] } }] },
      [{ path: 'a.txt' }],
      [{ path: 'a.tmp' }, { path: 'a.bak' }],
    );
  });

  it('numeric compares JSON numbers against one bound or a range', () => {
    expectMatches(
      { count: [{ numeric: ['>', 0, '<=', 5] }] },
      [{ count: 5 }, { count: 0.000001 }, { count: [9, 3] }],
      [{ count: 0 }, { count: 5.01 }, { count: -1 }, { count: '3' }, { count: null }, {}],
    );
    expectMatches(
      { count: [{ numeric: ['>=', 10, '<', 20] }] },
      [{ count: 10 }, { count: 19.999 }],
      [{ count: 20 }, { count: 9.99 }],
    );
    expectMatches({ count: [{ numeric: ['<', 10] }] }, [{ count: -5e9 }, { count: 9 }], [{ count: 10 }]);
    expectMatches({ count: [{ numeric: ['=', 3.018e2] }] }, [{ count: 301.8 }], [{ count: 301.80001 }]);
    // Outside ±5e9 a number has no numeric form, so no numeric filter matches it.
    expectMatches(
      { count: [{ numeric: ['>', 0] }] },
      [{ count: 5e9 }],
      [{ count: 5e9 + 1 }, { count: 1e12 }],
    );
  });

  it('exists true matches a present leaf, null included; exists false matches a missing one', () => {
    const present = [{ detail: { state: 'x' } }, { detail: { state: null } }, { detail: { state: [0] } }];
    const missing = [
      { detail: {} },
      {},
      { detail: { state: [] } },
      { detail: { state: { c1: 100 } } },
      { detail: 'x' },
    ];
    expectMatches({ detail: { state: [{ exists: true }] } }, present, missing);
    expectMatches({ detail: { state: [{ exists: false }] } }, missing, present);
  });

  it('exists false matches when a level above the field is missing or not an object', () => {
    const pattern = { detail: { level1: { level2: [{ exists: false }] } } };
    expectMatches(
      pattern,
      [{}, { detail: { level1: 'text' } }, { detail: { level1: [] } }],
      [{ detail: { level1: { level2: 'x' } } }, { detail: { level1: [{ level2: 'x' }] } }],
    );
  });

  it('cidr matches IPv4 addresses in the block', () => {
    expectMatches(
      { ip: [{ cidr: '10.0.0.0/24' }] },
      [{ ip: '10.0.0.0' }, { ip: '10.0.0.255' }, { ip: '010.0.0.7' }],
      [{ ip: '10.0.1.0' }, { ip: '10.0.0.256' }, { ip: 'host.example' }, { ip: 167772161 }, {}],
    );
    // Host bits in the block's address are ignored.
    expectMatches({ ip: [{ cidr: '192.168.1.77/16' }] }, [{ ip: '192.168.0.1' }], [{ ip: '192.169.0.1' }]);
  });

  it('cidr matches IPv6 addresses in the block, in any textual form', () => {
    expectMatches(
      { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] },
      [{ ip: '2001:0db8:1234:1a00:0000:0000:0000:0000' }, { ip: '2001:DB8:1234:1A00::ffff' }],
      [{ ip: '2001:db8:1234:1a01::' }, { ip: '10.0.0.1' }, { ip: '2001:db8:1234:1a00::1::' }],
    );
    expectMatches({ ip: [{ cidr: '::/0' }] }, [{ ip: '::1' }], [{ ip: '127.0.0.1' }]);
  });

  it('$or matches when any alternative does, at the top level and inside a nested object', () => {
    const pattern = {
      source: ['floe'],
      $or: [{ 'detail-type': ['Floe Run Status Change'] }, { detail: { status: ['failed'] } }],
    };
    expectMatches(
      pattern,
      [
        { source: 'floe', 'detail-type': 'Floe Run Status Change' },
        { source: 'floe', 'detail-type': 'Other', detail: { status: 'failed' } },
      ],
      [
        { source: 'floe', 'detail-type': 'Other', detail: { status: 'running' } },
        { source: 'other', 'detail-type': 'Floe Run Status Change' },
      ],
    );
    const nested = { detail: { $or: [{ size: [{ numeric: ['>', 100] }] }, { size: [{ exists: false }] }] } };
    expectMatches(nested, [{ detail: { size: 101 } }, { detail: {} }], [{ detail: { size: 100 } }]);
  });

  it('needs every field of the pattern to match (AND), any value of a field (OR)', () => {
    const pattern = {
      source: ['floe'],
      detail: {
        status: ['failed', 'terminated'],
        attempts: [{ numeric: ['>=', 3] }],
        pipeline: [{ prefix: 'nightly-' }],
      },
    };
    const detail = { status: 'failed', attempts: 3, pipeline: 'nightly-train' };
    expectMatches(
      pattern,
      [
        { source: 'floe', detail },
        { source: 'floe', detail: { ...detail, status: 'terminated' } },
      ],
      [
        { source: 'floe', detail: { ...detail, status: 'succeeded' } },
        { source: 'floe', detail: { ...detail, attempts: 2 } },
        { source: 'floe', detail: { ...detail, pipeline: 'weekly-train' } },
        { source: 'other', detail },
        { source: 'floe' },
      ],
    );
  });

  it('matches an EventBridge event on its top-level source, detail-type and detail', () => {
    const event = {
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': 'Floe Run Status Change',
      source: 'floe',
      account: '111122223333',
      time: '2024-05-01T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { runId: 'run-000001', pipeline: 'train', status: 'succeeded', durationSeconds: 42.5 },
    };
    const pattern = {
      source: ['floe'],
      'detail-type': ['Floe Run Status Change'],
      detail: { status: ['succeeded'], durationSeconds: [{ numeric: ['<', 60] }] },
    };
    expectMatches(
      pattern,
      [event],
      [
        { ...event, source: 'floe.test' },
        { ...event, 'detail-type': 'Floe Run Created' },
        { ...event, detail: { ...event.detail, status: 'failed' } },
        { ...event, detail: { ...event.detail, durationSeconds: 61 } },
      ],
    );
    expectMatches(
      { resources: [{ exists: false }], account: [{ prefix: '1111' }] },
      [event],
      [{ ...event, resources: ['arn:floe:run/run-000001'] }],
    );
  });

  it('matches nothing inside an event that is not an object', () => {
    expectMatches({ source: ['floe'] }, [], ['floe', null, ['floe'], 1]);
    expectMatches({ source: [{ exists: false }] }, ['floe', null], []);
  });
});
