import { Injectable } from '@nestjs/common';

/**
 * What OrdersService asks of its Database, without one: there is nothing to commit, so a
 * "transaction" just runs its work (in which MessageBus, having no outbox, publishes each event
 * itself, confirmed), and so does a query. OrdersService's callbacks use neither the transaction
 * nor the Kysely instance a Database would pass them, so none is passed.
 */
@Injectable()
export class NoDatabase {
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  run<T>(query: () => Promise<T>): Promise<T> {
    return query();
  }
}
