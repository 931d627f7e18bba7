import { normaliseDataType } from './dataTypes';

describe('normaliseDataType', () => {
  it.each([
    ['campaign', 'campaign'],
    ['CAMPAIGN', 'campaign'],
    ['Campaign', 'campaign'],
    ['market', 'market'],
    ['MARKET', 'market'],
    ['eventMapping', 'eventMapping'],
    ['EVENT_MAPPING', 'eventMapping'],
    ['event_mapping', 'eventMapping'],
    ['event-mapping', 'eventMapping'],
    ['EVENTMAPPING', 'eventMapping'],
    ['registeredMarket', 'registeredMarket'],
    ['REGISTERED_MARKET', 'registeredMarket'],
    ['registered_market', 'registeredMarket'],
    ['registration', 'registration'],
    ['REGISTRATION', 'registration'],
    ['  registration ', 'registration'],
  ])('reads %j as %s', (input, expected) => {
    expect(normaliseDataType(input)).toBe(expected);
  });

  it.each([['campaigns'], ['registrations'], ['entry'], [''], [null], [undefined], [42], [{}], ['x'.repeat(100)]])(
    'does not know %j',
    (input) => {
      expect(normaliseDataType(input)).toBeUndefined();
    },
  );
});
