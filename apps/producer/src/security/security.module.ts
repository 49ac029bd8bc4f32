import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ProducerConfig } from '../config/producer.config';
import { ApiKeyGuard } from './api-key.guard';
import { RateLimitGuard } from './rate-limit.guard';

/**
 * Rate limiting first (so key guessing on the API is throttled too), then the optional API key.
 * The docs routes are Fastify plugins that Nest guards never see: protectDocs checks their key.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ProducerConfig],
      useFactory: ({ env }: ProducerConfig) => ({
        throttlers: [{ ttl: env.RATE_LIMIT_WINDOW_MS, limit: env.RATE_LIMIT_MAX }],
        skipIf: () => env.RATE_LIMIT_MAX === 0,
        // One budget per client across every route (the default key adds the controller and the
        // handler, which gave a client RATE_LIMIT_MAX requests on each route).
        generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
      }),
    }),
  ],
  providers: [
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
})
export class SecurityModule {}
