import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { HasText, IsId, IsOmittable } from '../../common/http/validation';
import { MessageDto, MessageUsageDto } from './session.dto';

export class ChatDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Continue this session' })
  @IsOmittable()
  @IsId()
  session_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Without session_id: start a new session with this agent' })
  @IsOmittable()
  @IsId()
  agent_id?: string;

  @ApiProperty({ maxLength: 20000, example: 'What did we decide about the March invoices?', description: 'At least one non-space character' })
  @IsString()
  @Length(1, 20000)
  @HasText()
  message: string;
}

export class ChatStreamQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Continue this session (or, with turn_id, resume a turn of it)' })
  @IsOptional()
  @IsId()
  session_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Without session_id: start a new session with this agent' })
  @IsOptional()
  @IsId()
  agent_id?: string;

  @ApiPropertyOptional({ maxLength: 20000, description: 'The user message (required unless resuming with turn_id; at least one non-space character)' })
  @ValidateIf((query: ChatStreamQueryDto) => query.turn_id === undefined || query.message !== undefined)
  @IsString()
  @Length(1, 20000)
  @HasText()
  message?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Resume this turn (with session_id and Last-Event-ID) instead of starting one' })
  @IsOptional()
  @IsId()
  turn_id?: string;

  @ApiPropertyOptional({ description: 'Same as the Last-Event-ID header, for clients that cannot set it (the header wins)', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  last_event_id?: string;

  @ApiPropertyOptional({
    description:
      'The access token, for browser EventSource clients that cannot send an Authorization header (this route only; never logged). ' +
      'Prefer the header: a URL ends up in browser history and proxy logs.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  access_token?: string;
}

export class ChatResponseDto {
  @ApiProperty({ format: 'uuid' }) session_id: string;
  @ApiProperty({ format: 'uuid' }) turn_id: string;
  @ApiProperty({ type: MessageDto, description: 'The stored answer' }) message: MessageDto;
  @ApiProperty({ format: 'uuid' }) episode_id: string;
  @ApiProperty({ type: MessageUsageDto }) usage: MessageUsageDto;
}
