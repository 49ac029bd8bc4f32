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
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblemResponse, ValidationFailedException } from '@app/platform/http';
import { ADMIN_TOKEN_SCHEME, AdminTokenGuard } from './admin-token.guard';
import { DeadLettersService } from './dead-letters.service';
import type { DeadLetterDetail, DeadLetterPage, ReplayResult } from './dto/dead-letter.dto';
import { DeadLetterSchemas, schemaRef } from './dto/dead-letter.schemas';
import { ListDeadLettersQuery, MAX_PAGE_SIZE, MAX_SCAN_DEPTH } from './dto/list-dead-letters.query';
import { MessageIdParams } from './dto/message-id.params';
import { PURGE_CONFIRMATION, PurgeDeadLettersQuery } from './dto/purge-dead-letters.query';

const MessageIdParam = ApiParam({
  name: 'messageId',
  description:
    "The dead letter's messageId (or the `x-assigned-message-id` the consumer gave one without).",
  schema: { type: 'string', minLength: 1, maxLength: 255 },
});
const InvalidMessageId = ApiProblemResponse(
  400,
  'A `validation-failed` problem: messageId is longer than 255 characters.',
);
const NotFound = ApiProblemResponse(
  404,
  `No dead letter with this messageId among the first ${MAX_SCAN_DEPTH} of the queue.`,
);
const BrokerUnavailable = ApiProblemResponse(
  503,
  'A `service-unavailable` problem: the broker cannot be reached, an operation on it failed (messages ' +
    'not settled stay where they were), or the queues are not declared yet (the consumer has not ' +
    'started); retry after `Retry-After` seconds.',
  { retryAfter: true },
);

/** Operator endpoints to see why messages were dead-lettered, then replay or delete them. */
@ApiTags('dead-letters')
@ApiBearerAuth(ADMIN_TOKEN_SCHEME)
@ApiProblemResponse(401, 'No `Authorization: Bearer <ADMIN_TOKEN>` header, or a wrong token.', {
  headers: {
    'WWW-Authenticate': {
      description: 'The challenge: `Bearer realm="admin"`.',
      schema: { type: 'string' },
    },
  },
})
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
  @ApiOperation({
    summary: 'List dead letters',
    description:
      'A page of the dead-letter queue, in queue order, with why each message failed and a preview ' +
      'of its body. Reading takes the messages and puts them back: nothing is lost by looking.',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 },
  })
  @ApiQuery({
    name: 'offset',
    required: false,
    description: 'Position in the queue of the first message listed.',
    schema: { type: 'integer', minimum: 0, maximum: MAX_SCAN_DEPTH - MAX_PAGE_SIZE, default: 0 },
  })
  @ApiOkResponse({ description: 'The page.', schema: schemaRef(DeadLetterSchemas.Page) })
  @ApiProblemResponse(
    400,
    'A `validation-failed` problem: limit or offset is not an integer in its range.',
  )
  @BrokerUnavailable
  list(@Query() query: ListDeadLettersQuery): Promise<DeadLetterPage> {
    return this.deadLetters.list(query.offset, query.limit);
  }

  @Post('replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Replay every dead letter',
    description:
      'Publishes each message present when the call starts back to the work queue, with a fresh ' +
      'attempt count; a copy leaves the dead-letter queue only once the broker confirmed the replay.',
  })
  @ApiOkResponse({
    description: 'How many were replayed, and how many stayed (their publish was not confirmed).',
    schema: schemaRef(DeadLetterSchemas.ReplayResult),
  })
  @BrokerUnavailable
  replayAll(): Promise<ReplayResult> {
    return this.deadLetters.replayAll();
  }

  /** Requires `?confirm=purge` (400 without it): there is no undoing a purge. */
  @Delete()
  @ApiOperation({
    summary: 'Delete every dead letter',
    description: `Purges the dead-letter queue for good; requires \`?confirm=${PURGE_CONFIRMATION}\`.`,
  })
  @ApiQuery({
    name: 'confirm',
    required: true,
    description: `Must be \`${PURGE_CONFIRMATION}\`: a bare DELETE (a stray call) purges nothing.`,
    schema: { type: 'string', enum: [PURGE_CONFIRMATION] },
  })
  @ApiOkResponse({
    description: 'How many messages were deleted.',
    schema: schemaRef(DeadLetterSchemas.PurgeResult),
  })
  @ApiProblemResponse(
    400,
    `A \`validation-failed\` problem: confirm is missing or not \`${PURGE_CONFIRMATION}\`; nothing was deleted.`,
  )
  @BrokerUnavailable
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- validated by the pipe, never read
  purge(@Query() _confirmed: PurgeDeadLettersQuery): Promise<{ purged: number }> {
    return this.deadLetters.purge();
  }

  @Get(':messageId')
  @ApiOperation({
    summary: 'Show one dead letter',
    description:
      'The first message with this messageId, in full: decoded body, properties and every header. ' +
      'It stays in the queue.',
  })
  @MessageIdParam
  @ApiOkResponse({ description: 'The dead letter.', schema: schemaRef(DeadLetterSchemas.Detail) })
  @InvalidMessageId
  @NotFound
  @BrokerUnavailable
  get(@Param() params: MessageIdParams): Promise<DeadLetterDetail> {
    return this.deadLetters.get(params.messageId);
  }

  @Post(':messageId/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Replay one dead letter',
    description:
      'Publishes every copy with this messageId back to the work queue, with a fresh attempt count.',
  })
  @MessageIdParam
  @ApiOkResponse({
    description: 'How many copies were replayed, and how many stayed.',
    schema: schemaRef(DeadLetterSchemas.ReplayResult),
  })
  @InvalidMessageId
  @NotFound
  @BrokerUnavailable
  replay(@Param() params: MessageIdParams): Promise<ReplayResult> {
    return this.deadLetters.replay(params.messageId);
  }

  @Delete(':messageId')
  @ApiOperation({
    summary: 'Delete one dead letter',
    description: 'Deletes every copy with this messageId for good.',
  })
  @MessageIdParam
  @ApiOkResponse({
    description: 'How many copies were deleted.',
    schema: schemaRef(DeadLetterSchemas.DropResult),
  })
  @InvalidMessageId
  @NotFound
  @BrokerUnavailable
  drop(@Param() params: MessageIdParams): Promise<{ dropped: number }> {
    return this.deadLetters.drop(params.messageId);
  }
}
