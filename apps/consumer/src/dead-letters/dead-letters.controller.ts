import {
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { ValidationFailedException } from '@app/platform/http';
import { AdminTokenGuard } from './admin-token.guard';
import { DeadLettersService } from './dead-letters.service';
import type { DeadLetterDetail, DeadLetterPage, ReplayResult } from './dto/dead-letter.dto';
import { ListDeadLettersQuery } from './dto/list-dead-letters.query';
import { MessageIdParams } from './dto/message-id.params';
import { PurgeDeadLettersQuery } from './dto/purge-dead-letters.query';

/** Operator endpoints to see why messages were dead-lettered, then replay or delete them. */
@Controller('admin/dead-letters')
@UseGuards(AdminTokenGuard)
@UsePipes(
  new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => ValidationFailedException.from(errors),
  }),
)
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  list(@Query() query: ListDeadLettersQuery): Promise<DeadLetterPage> {
    return this.deadLetters.list(query.offset, query.limit);
  }

  @Post('replay')
  @HttpCode(HttpStatus.OK)
  replayAll(): Promise<ReplayResult> {
    return this.deadLetters.replayAll();
  }

  /** Requires `?confirm=purge` (400 without it): there is no undoing a purge. */
  @Delete()
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- validated by the pipe, never read
  purge(@Query() _confirmed: PurgeDeadLettersQuery): Promise<{ purged: number }> {
    return this.deadLetters.purge();
  }

  @Get(':messageId')
  get(@Param() params: MessageIdParams): Promise<DeadLetterDetail> {
    return this.deadLetters.get(params.messageId);
  }

  @Post(':messageId/replay')
  @HttpCode(HttpStatus.OK)
  replay(@Param() params: MessageIdParams): Promise<ReplayResult> {
    return this.deadLetters.replay(params.messageId);
  }

  @Delete(':messageId')
  drop(@Param() params: MessageIdParams): Promise<{ dropped: number }> {
    return this.deadLetters.drop(params.messageId);
  }
}
