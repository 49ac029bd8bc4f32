// What libs/contracts imports from @app/messaging (the handler decorators OnEvent and OnRequest,
// which the peers never apply), as no-ops: the peers load the contracts' classes and patterns
// without our messaging library and its Nest 12. The bench's peer build (bench/lib/peers.ts) and
// `npm run typecheck:peers` (bench/peers/tsconfig.json, "paths") put this file in its place.

/** The contract registry's payload class lookup, as the real handlerDecorators takes it. */
type PayloadClassOf = (pattern: string) => (new () => object) | undefined;

/** Decorators that do nothing: no peer declares a handler with them. */
export function handlerDecorators<TEvents extends object, TRequests extends object>(
  payloadClassOf: PayloadClassOf,
) {
  void payloadClassOf;
  const none = (): MethodDecorator => () => undefined;
  return {
    OnEvent: (pattern: keyof TEvents & string, extras: { transactional?: boolean } = {}) => {
      void pattern;
      void extras;
      return none();
    },
    OnRequest: (pattern: keyof TRequests & string) => {
      void pattern;
      return none();
    },
  };
}
