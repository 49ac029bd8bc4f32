import { Module } from '@nestjs/common';
import { MessagingModule } from '@app/messaging';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { OrdersModule } from './orders/orders.module';

/** The consumer: order handlers over RabbitMQ plus an HTTP port for health checks. */
@Module({
  imports: [
    MessagingModule.forRoot({ serviceName: 'consumer', consume: true }),
    OrdersModule,
    DeadLettersModule,
  ],
})
export class AppModule {}
