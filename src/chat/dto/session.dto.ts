import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsId, IsOmittable } from '../../common/http/validation';
import { PaginationDto } from '../../common/openapi/envelope-schemas';
import { IsQueryInteger, ListQueryDto } from '../../common/pagination/list-query.dto';
import type { MessageRow, SessionRow } from '../chat.types';

export const SESSION_SORTS = ['created_at', 'updated_at', 'last_message_at'] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];

export class CreateSessionDto {
  @ApiProperty({ format: 'uuid' })
  @IsId()
  agent_id: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'Invoices of March' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Anything the client wants to keep with the session (up to 16 KB of JSON)' })
  @IsOmittable()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class SessionListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: SESSION_SORTS, default: 'created_at' })
  @IsOptional()
  @IsIn(SESSION_SORTS)
  sort: SessionSort = 'created_at';

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the sessions with this agent' })
  @IsOptional()
  @IsId()
  agent_id?: string;
}

export class SessionGetQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000, default: 1, description: 'Page of the messages (oldest first); decimal digits only' })
  @IsOptional()
  @IsQueryInteger(1, 1_000_000)
  messages_page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50, description: 'Decimal digits only' })
  @IsOptional()
  @IsQueryInteger(1, 100)
  messages_limit: number = 50;
}

export class ActorDto {
  @ApiProperty({ enum: ['user', 'api_key'] }) type: 'user' | 'api_key';
  @ApiProperty({ format: 'uuid' }) id: string;
}

export class MessageUsageDto {
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() completion_tokens: number;
}

export class MessageErrorDto {
  @ApiProperty({ example: 'SERVICE_UNAVAILABLE' }) code: string;
  @ApiProperty() message: string;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) session_id: string;
  @ApiProperty({ format: 'uuid', description: 'The turn: a user message and the answer to it share it' }) turn_id: string;
  @ApiProperty({ enum: ['user', 'assistant'] }) role: 'user' | 'assistant';
  @ApiProperty() content: string;
  @ApiProperty({
    enum: ['complete', 'interrupted', 'failed'],
    description: '`interrupted`: the partial answer of a cancelled turn, or of one whose client did not come back within CHAT_RESUME_GRACE',
  })
  status: 'complete' | 'interrupted' | 'failed';
  @ApiProperty({ type: 'string', nullable: true, enum: ['cancelled', 'client_gone', 'shutdown', 'session_deleted'] })
  interrupted_reason: string | null;
  @ApiProperty({ type: MessageErrorDto, nullable: true, description: 'Why a failed answer failed' }) error: MessageErrorDto | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'Assistant messages: the episode the turn recorded' })
  episode_id: string | null;
  @ApiProperty({ type: MessageUsageDto, nullable: true, description: 'Assistant messages: tokens of the turn' }) usage: MessageUsageDto | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;

  static from(row: MessageRow): MessageDto {
    const assistant = row.role === 'assistant';
    return {
      id: row.id,
      session_id: row.session_id,
      turn_id: row.turn_id,
      role: row.role,
      content: row.content,
      status: row.status,
      interrupted_reason: row.interrupted_reason,
      error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
      episode_id: row.episode_id,
      usage: assistant ? { prompt_tokens: row.prompt_tokens ?? 0, completion_tokens: row.completion_tokens ?? 0 } : null,
      created_at: row.created_at,
    };
  }
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ type: 'string', nullable: true }) title: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({ type: ActorDto, description: 'Who created it: members see only their own sessions' }) owner: ActorDto;
  @ApiProperty() message_count: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) last_message_at: Date | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;

  static from(row: SessionRow): SessionDto {
    return {
      id: row.id,
      agent_id: row.agent_id,
      title: row.title,
      metadata: row.metadata,
      owner: { type: row.owner_type, id: row.owner_id },
      message_count: row.message_count,
      last_message_at: row.last_message_at,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }
}

export class SessionDetailDto extends SessionDto {
  @ApiProperty({ type: [MessageDto], description: 'One page of the messages, oldest first' }) messages: MessageDto[];
  @ApiProperty({ type: PaginationDto, description: 'Of the messages (messages_page, messages_limit)' }) messages_pagination: PaginationDto;
}
