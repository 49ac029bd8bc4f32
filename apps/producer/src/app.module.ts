import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { CorrelationIdInterceptor, MessagingModule } from '@app/messaging';
import { MessagingExceptionFilter } from './common/messaging-exception.filter';
import { ProducerConfigModule } from './config/producer-config.module';
import { OrdersModule } from './orders/orders.module';
import { QuotesModule } from './quotes/quotes.module';
import { SecurityModule } from './security/security.module';

/** The producer: an HTTP API that turns requests into confirmed RabbitMQ messages. */
@Module({
  imports: [
    ProducerConfigModule,
    SecurityModule,
    MessagingModule.forRoot({ serviceName: 'producer', consume: true }),
    OrdersModule,
    QuotesModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: MessagingExceptionFilter },
    { provide: APP_INTERCEPTOR, useClass: CorrelationIdInterceptor },
  ],
})
export class AppModule {}
