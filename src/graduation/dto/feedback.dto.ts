import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { HasText } from '../../common/http/validation';
import type { EpisodeFeedback, FeedbackRow, Thumbs } from '../../memory/feedback.service';

const THUMBS = ['up', 'down'] as const;

export class GiveFeedbackDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 5, description: 'Score (r-3)/2: 1 is -1, 3 is 0, 5 is +1' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  rating?: number;

  @ApiPropertyOptional({ enum: THUMBS, description: 'Score +1 or -1 when there is no rating' })
  @IsOptional()
  @IsIn(THUMBS)
  thumbs?: Thumbs;

  @ApiPropertyOptional({
    maxLength: 20000,
    description: 'The answer the agent should have given (at least one non-space character). Counts as a human intervention; training learns it',
  })
  @IsOptional()
  @IsString()
  @Length(1, 20000)
  @HasText()
  correction?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class FeedbackActorDto {
  @ApiProperty({ enum: ['user', 'api_key'] }) type: 'user' | 'api_key';
  @ApiProperty({ format: 'uuid' }) id: string;
}

export class FeedbackDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) episode_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ type: FeedbackActorDto, description: 'Who gave it: one feedback per user or API key per episode' }) actor: FeedbackActorDto;
  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, maximum: 5 }) rating: number | null;
  @ApiProperty({ type: 'string', enum: THUMBS, nullable: true }) thumbs: Thumbs | null;
  @ApiProperty({ type: 'string', nullable: true }) correction: string | null;
  @ApiProperty({ type: 'string', nullable: true }) comment: string | null;
  @ApiProperty({ type: 'number', nullable: true, minimum: -1, maximum: 1, description: 'null for a correction-only feedback' })
  score: number | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time', description: 'When it was last replaced' }) updated_at: Date;

  static from(row: FeedbackRow): FeedbackDto {
    return {
      id: row.id,
      episode_id: row.episode_id,
      agent_id: row.agent_id,
      actor: { type: row.actor_type, id: row.actor_id },
      rating: row.rating,
      thumbs: row.thumbs,
      correction: row.correction,
      comment: row.comment,
      score: row.score,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }
}

export class EpisodeFeedbackDto {
  @ApiProperty({ type: [FeedbackDto], description: 'Newest first' }) feedback: FeedbackDto[];
  @ApiProperty({ type: 'number', nullable: true, minimum: -1, maximum: 1 }) aggregate_feedback_score: number | null;
  @ApiProperty({ type: 'integer' }) count: number;

  static from(result: EpisodeFeedback): EpisodeFeedbackDto {
    return { feedback: result.feedback.map(FeedbackDto.from), aggregate_feedback_score: result.aggregate_feedback_score, count: result.count };
  }
}
