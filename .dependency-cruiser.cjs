/**
 * Module rules `npm run lint` checks (dependency-cruiser): no import cycles anywhere, and the
 * messaging library stays RabbitMQ only — nothing HTTP-related, nothing of the apps.
 */
const HTTP = [
  '^libs/platform/src/http',
  '^node_modules/(@nestjs/platform-fastify|@nestjs/platform-express|@nestjs/terminus|@nestjs/swagger|fastify|@fastify|helmet)/',
  '^(http|https|node:http|node:https)$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle: modules that need each other cannot be understood or tested alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'messaging-is-rabbitmq-only',
      severity: 'error',
      comment: 'libs/messaging is the RabbitMQ layer: HTTP belongs to libs/platform/src/http.',
      from: { path: '^libs/messaging/src' },
      to: { path: HTTP },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      comment: 'Libraries are shared by the apps and must not depend on one of them.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|bench/peers|node_modules)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default'],
    },
  },
};
