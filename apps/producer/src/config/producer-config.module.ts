import { Global, Module } from '@nestjs/common';
import { loadEnv } from '@app/config';
import { PRODUCER_ENV, ProducerEnv } from './producer.env';

/** Validates the producer's environment once and shares it with every module. */
@Global()
@Module({
  providers: [{ provide: PRODUCER_ENV, useFactory: () => loadEnv(ProducerEnv) }],
  exports: [PRODUCER_ENV],
})
export class ProducerConfigModule {}
