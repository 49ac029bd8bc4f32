import { onCancelled, onPlaced, type OrderState } from './order-state';

describe('order state machine', () => {
  it.each<[OrderState, 'accepted' | 'rejected', OrderState, boolean]>([
    ['new', 'accepted', 'accepted', true],
    ['new', 'rejected', 'rejected', true],
    ['cancelled', 'accepted', 'cancelled', false],
    ['accepted', 'accepted', 'accepted', false],
    ['rejected', 'accepted', 'rejected', false],
  ])('placed on %s (decided %s) → %s, announced: %s', (state, decision, next, announce) => {
    expect(onPlaced(state, decision)).toEqual({ next, announce });
  });

  it.each<[OrderState, OrderState, string | undefined]>([
    ['new', 'cancelled', 'cancelled'],
    ['accepted', 'cancelled', 'cancelled'],
    ['rejected', 'rejected', 'refused'],
    ['cancelled', 'cancelled', undefined],
  ])('cancelled on %s → %s, announced: %s', (state, next, announce) => {
    expect(onCancelled(state)).toEqual(announce ? { next, announce } : { next });
  });

  it('ends cancelled whichever of placed and cancelled comes first', () => {
    const placedFirst = onCancelled(onPlaced('new', 'accepted').next).next;
    const cancelledFirst = onPlaced(onCancelled('new').next, 'accepted').next;
    expect(placedFirst).toBe('cancelled');
    expect(cancelledFirst).toBe('cancelled');
  });
});
