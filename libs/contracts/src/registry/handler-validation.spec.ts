import { Payload } from '@nestjs/microservices';
import { EventPatterns, OnEvent, type PayloadOf } from '../contracts';
import { OrderPlacedEvent } from '../orders/order-placed.event';

class Handlers {
  @OnEvent(EventPatterns.OrderPlaced)
  placed(@Payload() order: PayloadOf<typeof EventPatterns.OrderPlaced>): void {
    void order;
  }
}

describe('OnEvent', () => {
  it("validates the payload as the registry's class, whatever the parameter's annotation compiles to", () => {
    const types = Reflect.getMetadata(
      'design:paramtypes',
      Handlers.prototype,
      'placed',
    ) as unknown[];

    // A type alias compiles to Object, which a validation pipe skips; the registry's class is put
    // in its place, so the payload is validated.
    expect(types[0]).toBe(OrderPlacedEvent);
  });
});
