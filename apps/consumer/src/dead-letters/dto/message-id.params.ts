import { IsString, Length } from 'class-validator';

/** The `:messageId` route parameter; AMQP short strings hold at most 255 bytes. */
export class MessageIdParams {
  @IsString()
  @Length(1, 255)
  messageId!: string;
}
