import { Equals } from 'class-validator';

/** The value `?confirm=` must have for `DELETE /admin/dead-letters` to purge. */
export const PURGE_CONFIRMATION = 'purge';

/**
 * `?confirm=purge` of `DELETE /admin/dead-letters`: a purge deletes every dead letter for good, so
 * a bare DELETE (a stray curl, a client that meant to drop one message) must not do it.
 */
export class PurgeDeadLettersQuery {
  @Equals(PURGE_CONFIRMATION, {
    message:
      `the query parameter confirm must be "${PURGE_CONFIRMATION}" to delete every dead letter ` +
      `(DELETE /admin/dead-letters?confirm=${PURGE_CONFIRMATION})`,
  })
  confirm!: string;
}
