/**
 * The images the tests start when no service is given in the environment, each pinned to a patch
 * release so a run today and a run next month test the same broker and database. docker-compose.yml
 * runs the same ones: it cannot import this file, so docker-files.spec.ts asserts that its images
 * equal these. Upgrading one means changing it here and in the compose file, in one commit.
 */
export const SERVICE_IMAGES = {
  /** RabbitMQ 4.2, the current 4.x line, with the management plugin the compose file exposes. */
  rabbitmq: 'rabbitmq:4.2.5-management',
  /** PostgreSQL 17 on Debian bookworm. */
  postgres: 'postgres:17.2-bookworm',
} as const;
