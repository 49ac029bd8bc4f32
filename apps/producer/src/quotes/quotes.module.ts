import { Module } from '@nestjs/common';
import { QuotesController } from './quotes.controller';

/** Quotes over request/response. */
@Module({ controllers: [QuotesController] })
export class QuotesModule {}
