import { Module } from '@nestjs/common';
import { loadEnv } from '@app/config';
import { AdminTokenGuard } from './admin-token.guard';
import { DeadLettersController } from './dead-letters.controller';
import { DEAD_LETTERS_ENV, DeadLettersEnv } from './dead-letters.env';
import { DeadLettersService } from './dead-letters.service';

/** Dead-letter admin over HTTP, so operators recover failed messages without broker tooling. */
@Module({
  controllers: [DeadLettersController],
  providers: [
    { provide: DEAD_LETTERS_ENV, useFactory: () => loadEnv(DeadLettersEnv) },
    AdminTokenGuard,
    DeadLettersService,
  ],
})
export class DeadLettersModule {}
