import { describe, expect, it } from 'vitest';
import { eventRunParameters } from '../../shared/engine/trigger-parameters.ts';

const event = {
  id: 'e-1',
  source: 'shop',
  'detail-type': 'order placed',
  detail: {
    size: 42,
    ratio: 0.5,
    label: 'big',
    empty: '',
    gift: false,
    none: null,
    items: [{ sku: 'a' }, { sku: 'b' }],
    address: { city: 'Lyon' },
    'odd key': 'x',
  },
};

describe('eventRunParameters', () => {
  it('takes strings and numbers as they are, and the JSON text of anything else', () => {
    expect(
      eventRunParameters(
        {
          size: '$.detail.size',
          ratio: '$.detail.ratio',
          label: '$.detail.label',
          empty: '$.detail.empty',
          gift: '$.detail.gift',
          items: '$.detail.items',
          address: '$.detail.address',
        },
        event,
      ),
    ).toEqual({
      size: 42,
      ratio: 0.5,
      label: 'big',
      empty: '',
      gift: 'false',
      items: '[{"sku":"a"},{"sku":"b"}]',
      address: '{"city":"Lyon"}',
    });
  });

  it('reads any part of the event: envelope fields, array elements, quoted keys', () => {
    expect(
      eventRunParameters(
        {
          id: '$.id',
          type: "$['detail-type']",
          sku: '$.detail.items[1].sku',
          odd: "$.detail['odd key']",
          'step.city': '$.detail.address.city',
        },
        event,
      ),
    ).toEqual({ id: 'e-1', type: 'order placed', sku: 'b', odd: 'x', 'step.city': 'Lyon' });
  });

  it('leaves out a parameter whose path is absent or null, so the pipeline default applies', () => {
    expect(
      eventRunParameters(
        {
          missing: '$.detail.missing',
          none: '$.detail.none',
          past: '$.detail.items[5]',
          through: '$.detail.label.length',
          size: '$.detail.size',
        },
        event,
      ),
    ).toEqual({ size: 42 });
    expect(eventRunParameters({}, event)).toEqual({});
  });
});
