import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, MaxLength,
} from 'class-validator';
import { HasText, IsOmittable } from '../../common/http/validation';
import { ListQueryDto } from '../../common/pagination/list-query.dto';
import { ALL_EVENTS, TEST_EVENT, WEBHOOK_EVENTS } from '../webhook-events';
import { DELIVERY_STATUSES, type DeliveryRow, type DeliveryStatus, type WebhookEntity } from '../webhook.entity';

const SUBSCRIBABLE = [...WEBHOOK_EVENTS, ALL_EVENTS];
const EVENTS_DESCRIPTION = `Event names, or \`*\` for all of them: ${WEBHOOK_EVENTS.map((e) => `\`${e}\``).join(', ')}`;
const SECRET_DESCRIPTION =
  'Signing secret: `whsec_` + base64 of at least 24 bytes (Standard Webhooks), or any string of at least 24 characters, not all of them spaces. ' +
  'Left out on create: one is generated and returned once. Never returned afterwards.';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://example.com/hooks/atom', maxLength: 2048, description: 'https in production; private and loopback addresses are refused' })
  @IsString()
  @Length(1, 2048)
  url: string;

  @ApiProperty({ type: [String], example: ['agent.executed', 'agent.graduated'], description: EVENTS_DESCRIPTION })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true, message: `each event must be one of: ${SUBSCRIBABLE.join(', ')}` })
  events: string[];

  @ApiPropertyOptional({ description: `${SECRET_DESCRIPTION} Cannot be null.`, minLength: 24, maxLength: 256, writeOnly: true })
  @IsOmittable()
  @IsString()
  @Length(24, 256)
  @HasText()
  secret?: string;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  active?: boolean;
}

/** PUT/PATCH: a partial update. `active: true` re-enables a disabled subscription and resets its failure count. */
export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOmittable()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], description: EVENTS_DESCRIPTION })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true, message: `each event must be one of: ${SUBSCRIBABLE.join(', ')}` })
  events?: string[];

  @ApiPropertyOptional({ description: 'A new signing secret (rotation), as on create. Never returned.', minLength: 24, maxLength: 256, writeOnly: true })
  @IsOmittable()
  @IsString()
  @Length(24, 256)
  @HasText()
  secret?: string;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 500, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsBoolean()
  active?: boolean;
}

export const WEBHOOK_SORTS = ['created_at', 'updated_at'] as const;

export class WebhookListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: WEBHOOK_SORTS, default: 'created_at' })
  @IsOptional()
  @IsIn(WEBHOOK_SORTS)
  sort: (typeof WEBHOOK_SORTS)[number] = 'created_at';

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only active, or only disabled, subscriptions' })
  @IsOptional()
  @IsIn(['true', 'false'])
  active?: 'true' | 'false';

  @ApiPropertyOptional({ enum: SUBSCRIBABLE, description: 'Subscriptions that receive this event (`*` ones included)' })
  @IsOptional()
  @IsIn(SUBSCRIBABLE)
  event?: string;
}

const DELIVERY_SORTS = ['created_at'] as const;

export class DeliveryListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_SORTS, default: 'created_at' })
  @IsOptional()
  @IsIn(DELIVERY_SORTS)
  sort: (typeof DELIVERY_SORTS)[number] = 'created_at';

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ enum: [...WEBHOOK_EVENTS, TEST_EVENT] })
  @IsOptional()
  @IsIn([...WEBHOOK_EVENTS, TEST_EVENT])
  event?: string;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: [String] }) events: string[];
  @ApiProperty({ type: 'string', nullable: true }) description: string | null;
  @ApiProperty() active: boolean;
  @ApiProperty({ type: 'string', nullable: true, description: 'Why the subscription was disabled (410 Gone, too many failures, an admin)' })
  disabled_reason: string | null;
  @ApiProperty({ description: 'Deliveries failed in a row; at 20 the subscription is disabled' }) consecutive_failures: number;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;

  static from(webhook: WebhookEntity): WebhookDto {
    return {
      id: webhook.id,
      url: webhook.url,
      events: webhook.events,
      description: webhook.description,
      active: webhook.active,
      disabled_reason: webhook.disabledReason,
      consecutive_failures: webhook.consecutiveFailures,
      created_by: webhook.createdBy,
      created_at: webhook.createdAt,
      updated_at: webhook.updatedAt,
    };
  }
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiPropertyOptional({ description: 'Only when the secret was generated: shown this once, store it now' })
  secret?: string;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) webhook_id: string;
  @ApiProperty({ format: 'uuid', description: 'The event id: the `webhook-id` header and the body’s `id`' }) event_id: string;
  @ApiProperty() event: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty({ description: 'Attempts made so far' }) attempts: number;
  @ApiProperty({ type: 'integer', nullable: true }) last_status_code: number | null;
  @ApiProperty({ type: 'string', nullable: true }) last_error: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) next_attempt_at: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) last_attempt_at: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) delivered_at: Date | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;

  static from(row: DeliveryRow): DeliveryDto {
    return {
      id: row.id,
      webhook_id: row.webhook_id,
      event_id: row.event_id,
      event: row.event,
      status: row.status,
      attempts: row.attempts,
      last_status_code: row.last_status_code,
      last_error: row.last_error,
      next_attempt_at: row.next_attempt_at,
      last_attempt_at: row.last_attempt_at,
      delivered_at: row.delivered_at,
      created_at: row.created_at,
    };
  }
}
