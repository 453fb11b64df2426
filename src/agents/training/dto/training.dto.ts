import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_MAX_EXAMPLES, MAX_MAX_EXAMPLES, TRAINING_SOURCES, type TrainingSource } from '../example-selection';
import { TRAINING_STATUSES, type TrainingRunRow, type TrainingStatus } from '../training-run';
import type { TrainingStatusView } from '../training.service';

export class TrainAgentDto {
  @ApiPropertyOptional({
    enum: TRAINING_SOURCES,
    default: 'feedback',
    description:
      '`feedback`: episodes with a correction (the latest correction is the answer) and successful episodes people rated positively. ' +
      '`episodes`: the best successful episodes (by feedback score, compliance score, recency; not the negatively rated), corrections ' +
      'still replacing outputs. `edge_cases`: the active edge cases (own and tenant-wide) with an `equals` or `contains` answer, most severe first.',
  })
  @IsOptional()
  @IsIn(TRAINING_SOURCES)
  source?: TrainingSource;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_MAX_EXAMPLES, default: DEFAULT_MAX_EXAMPLES, description: 'Cap of the learned set' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_MAX_EXAMPLES)
  max_examples?: number;
}

export class TrainingRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ enum: TRAINING_SOURCES }) source: TrainingSource;
  @ApiProperty({ type: 'integer' }) max_examples: number;
  @ApiProperty({ enum: TRAINING_STATUSES }) status: TrainingStatus;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100 }) progress: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Examples the run left (set when completed)' }) examples_count: number | null;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The user or API key that started it' }) created_by: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) started_at: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) completed_at: Date | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;

  static from(run: TrainingRunRow): TrainingRunDto {
    return {
      id: run.id,
      agent_id: run.agent_id,
      source: run.source,
      max_examples: run.max_examples,
      status: run.status,
      progress: run.progress,
      examples_count: run.examples_count,
      error: run.error,
      created_by: run.created_by,
      started_at: run.started_at,
      completed_at: run.completed_at,
      created_at: run.created_at,
    };
  }
}

export class TrainingStatusDto {
  @ApiProperty({ type: TrainingRunDto, nullable: true, description: 'The queued or running run; null when none' }) current: TrainingRunDto | null;
  @ApiProperty({ type: 'integer', description: 'Size of the agent’s learned example set (what the last completed run left)' })
  learned_examples: number;
  @ApiProperty({ type: [TrainingRunDto], description: 'Finished runs (completed, failed), newest first, the last 20' }) history: TrainingRunDto[];

  static from(view: TrainingStatusView): TrainingStatusDto {
    return {
      current: view.current ? TrainingRunDto.from(view.current) : null,
      learned_examples: view.learned_examples,
      history: view.history.map(TrainingRunDto.from),
    };
  }
}
