import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { ListQueryDto } from '../../common/pagination/list-query.dto';
import type { EpisodeEntity, EpisodeOutcome } from '../../memory/episode.entity';
import { EPISODE_SORTS, type EpisodeSort } from '../../memory/memory.service';

export const EPISODE_OUTCOMES = ['success', 'failure', 'partial'] as const;

// A date, or a date-time with its offset: a time without one would depend on the server's zone.
const DATE_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const DATE_MESSAGE = 'must be a date (2025-02-06) or a date-time with an offset (2025-02-06T10:00:00Z)';

export class EpisodeListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: EPISODE_SORTS, default: 'completed_at', description: 'Unrated episodes sort last either way' })
  @IsOptional()
  @IsIn(EPISODE_SORTS)
  sort: EpisodeSort = 'completed_at';

  @ApiPropertyOptional({ enum: EPISODE_OUTCOMES })
  @IsOptional()
  @IsIn(EPISODE_OUTCOMES)
  outcome?: EpisodeOutcome;

  @ApiPropertyOptional({ example: '2025-02-01', description: '`completed_at` on or after this date (UTC) or date-time' })
  @IsOptional()
  @Matches(DATE_OR_INSTANT, { message: `from ${DATE_MESSAGE}` })
  @IsISO8601({ strict: true }, { message: `from ${DATE_MESSAGE}` })
  from?: string;

  @ApiPropertyOptional({ example: '2025-02-06', description: '`completed_at` up to this date-time, or to the end of this date (UTC)' })
  @IsOptional()
  @Matches(DATE_OR_INSTANT, { message: `to ${DATE_MESSAGE}` })
  @IsISO8601({ strict: true }, { message: `to ${DATE_MESSAGE}` })
  to?: string;
}

export class EpisodeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The execution that left it (null for chat episodes)' })
  execution_id: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The chat session (null for executions)' })
  session_id: string | null;
  @ApiProperty() task: string;
  @ApiProperty({ type: 'string', nullable: true }) output: string | null;
  @ApiProperty({ enum: EPISODE_OUTCOMES, description: '`partial`: an action was blocked' }) outcome: EpisodeOutcome;
  @ApiProperty({ description: 'The execution’s final status' }) status: string;
  @ApiProperty({ example: 'student' }) maturity_at_time: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) steps: Record<string, unknown>[];
  @ApiProperty({ type: 'integer', description: 'Approval decisions, plus feedback that carries a correction' })
  human_intervention_count: number;
  @ApiProperty({ type: 'integer' }) governance_violations: number;
  @ApiProperty({ minimum: 0, maximum: 1 }) compliance_score: number;
  @ApiProperty({ type: 'number', nullable: true, minimum: -1, maximum: 1, description: 'Mean of the feedback scores; null when none has one' })
  aggregate_feedback_score: number | null;
  @ApiProperty({ format: 'date-time' }) started_at: Date;
  @ApiProperty({ format: 'date-time' }) completed_at: Date;
  @ApiProperty({ type: 'integer' }) duration_ms: number;

  static from(episode: EpisodeEntity): EpisodeDto {
    return {
      id: episode.id,
      agent_id: episode.agentId,
      execution_id: episode.executionId,
      session_id: episode.sessionId,
      task: episode.task,
      output: episode.output,
      outcome: episode.outcome,
      status: episode.status,
      maturity_at_time: episode.maturityAtTime,
      steps: episode.steps,
      human_intervention_count: episode.humanInterventionCount,
      governance_violations: episode.governanceViolations,
      compliance_score: episode.complianceScore,
      aggregate_feedback_score: episode.aggregateFeedbackScore,
      started_at: episode.startedAt,
      completed_at: episode.completedAt,
      duration_ms: episode.durationMs,
    };
  }
}
