import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsString, Length } from 'class-validator';
import { HasText, IsOmittable } from '../../../common/http/validation';
import type { ExecutionEntity, ExecutionStatus } from '../execution.entity';
import { EXECUTION_STATUSES } from '../execution.entity';

export class ExecuteAgentDto {
  @ApiProperty({ example: 'Summarize the open tickets of this week', maxLength: 20000, description: 'At least one non-space character' })
  @IsString()
  @Length(1, 20000)
  @HasText()
  task: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: '`action` (an action name) asks for one action explicitly: governance answers 403 at once when the agent may not take it',
    example: { action: 'summarize' },
  })
  @IsOmittable()
  @IsObject()
  context?: Record<string, unknown>;

  @ApiPropertyOptional({ default: false, description: 'true: 202 at once, follow it with GET /api/agents/{id}/executions/{execution_id}' })
  @IsOmittable()
  @IsBoolean()
  async?: boolean;
}

export class UsageDto {
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() completion_tokens: number;
}

export class ExecutionDto {
  @ApiProperty({ format: 'uuid' }) execution_id: string;
  @ApiProperty({ format: 'uuid' }) episode_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status: ExecutionStatus;
  @ApiProperty() task: string;
  @ApiProperty({ type: 'string', nullable: true }) output: string | null;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Model calls, tool calls and governance decisions, in order' })
  steps: Record<string, unknown>[];
  @ApiProperty({ type: UsageDto }) usage: UsageDto;
  @ApiProperty({ type: 'integer', nullable: true }) duration_ms: number | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'local', description: '`local` is the offline development engine' }) provider: string | null;
  @ApiProperty({ type: 'string', nullable: true }) model: string | null;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) completed_at: Date | null;

  static from(execution: ExecutionEntity): ExecutionDto {
    return {
      execution_id: execution.id,
      episode_id: execution.episodeId,
      agent_id: execution.agentId,
      status: execution.status,
      task: execution.task,
      output: execution.output,
      steps: execution.steps,
      usage: { prompt_tokens: execution.promptTokens, completion_tokens: execution.completionTokens },
      duration_ms: execution.durationMs,
      provider: execution.provider,
      model: execution.model,
      error: execution.error,
      created_at: execution.createdAt,
      completed_at: execution.completedAt,
    };
  }
}
