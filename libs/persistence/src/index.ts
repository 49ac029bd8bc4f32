// A service's own database: PostgreSQL or an embedded PGlite, Kysely, migrations, transactions.
export * from './data-directory-lock';
export * from './database';
export * from './database.env';
export * from './database.errors';
export * from './database.module';
export * from './database.module-definition';
export * from './database.readiness';
export * from './database.settings';
export * from './group-commit';
export * from './migrations';
export * from './pglite.dialect';
export * from './prepared-query';
export * from './transaction-context';
