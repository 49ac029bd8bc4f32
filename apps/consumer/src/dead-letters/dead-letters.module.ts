import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersService } from './dead-letters.service';

/** Dead-letter admin over HTTP, so operators recover failed messages without broker tooling. */
@Module({
  controllers: [DeadLettersController],
  providers: [AdminTokenGuard, DeadLettersService],
})
export class DeadLettersModule {}
