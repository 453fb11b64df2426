import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { AgentDto } from '../../agents/dto/agent.dto';
import { MATURITY_LEVELS, type MaturityLevel } from '../../agents/maturity';
import { HasText, IsOmittable } from '../../common/http/validation';
import { ListQueryDto } from '../../common/pagination/list-query.dto';
import type { ExamCaseResult, ExamRow } from '../exams.service';
import type { HistoryRow, HistoryType } from '../graduation.service';
import type { Readiness } from '../readiness';

export class ComponentDto {
  @ApiProperty({ minimum: 0, maximum: 1 }) value: number;
  @ApiProperty({ minimum: 0, maximum: 1 }) weight: number;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'value × weight' }) contribution: number;
}

export class ReadinessComponentsDto {
  @ApiProperty({ type: ComponentDto, description: 'Share of the window’s episodes that needed no person (weight 0.30)' })
  zero_intervention_ratio: ComponentDto;
  @ApiProperty({ type: ComponentDto, description: 'Mean compliance score (weight 0.25)' }) compliance: ComponentDto;
  @ApiProperty({ type: ComponentDto, description: 'Share of successful episodes (weight 0.20)' }) success_rate: ComponentDto;
  @ApiProperty({ type: ComponentDto, description: 'Mean feedback mapped to 0..1 as (x+1)/2 over rated episodes; 0.5 when none is rated (weight 0.15)' })
  feedback: ComponentDto;
  @ApiProperty({ type: ComponentDto, description: 'Pass rate of the last exam; 0 before any (weight 0.10)' }) edge_case_pass_rate: ComponentDto;
}

export class RequirementsDto {
  @ApiProperty({ type: 'integer' }) min_episodes: number;
  @ApiProperty() min_score: number;
  @ApiProperty({ type: 'number', nullable: true, description: 'Largest share of episodes with a human intervention; null: no limit' })
  max_intervention_rate: number | null;
  @ApiProperty({ description: 'Pass rate the exam must reach too, to promote to the next level' }) exam_pass_rate: number;
}

export class GapDto {
  @ApiProperty({ enum: ['min_episodes', 'min_score', 'max_intervention_rate'] }) requirement: string;
  @ApiProperty() current: number;
  @ApiProperty() required: number;
  @ApiProperty() message: string;
}

export class ReadinessDto {
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ enum: MATURITY_LEVELS }) current_level: MaturityLevel;
  @ApiProperty({ type: 'string', enum: MATURITY_LEVELS, nullable: true, description: 'null for an autonomous agent' }) next_level: MaturityLevel | null;
  @ApiProperty({ minimum: 0, maximum: 1 }) score: number;
  @ApiProperty({ description: 'Every requirement of the next level is met (an exam is still needed to be promoted)' }) ready: boolean;
  @ApiProperty({ type: ReadinessComponentsDto }) components: ReadinessComponentsDto;
  @ApiProperty({ type: RequirementsDto, nullable: true, description: 'Of the next level; null for an autonomous agent' }) requirements: RequirementsDto | null;
  @ApiProperty({ type: [GapDto], description: 'Each unmet requirement with its current and required values' }) gaps: GapDto[];
  @ApiProperty() recommendation: string;
  @ApiProperty({ type: 'integer', description: 'The agent’s finished episodes (what min_episodes reads; counted up to 10,000)' }) episodes: number;
  @ApiProperty({ type: 'integer', description: 'Finished episodes in the score’s window (the last 30)' }) episodes_considered: number;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'Share of the window’s episodes with a human intervention' }) intervention_rate: number;
  @ApiProperty({ type: 'integer', description: 'Episodes of the window that have a feedback score' }) rated_episodes: number;

  static from(readiness: Readiness & { agent_id: string }): ReadinessDto {
    return {
      agent_id: readiness.agent_id,
      current_level: readiness.current_level,
      next_level: readiness.next_level,
      score: readiness.score,
      ready: readiness.ready,
      components: readiness.components,
      requirements: readiness.requirements,
      gaps: readiness.gaps,
      recommendation: readiness.recommendation,
      episodes: readiness.episodes,
      episodes_considered: readiness.episodes_considered,
      intervention_rate: readiness.intervention_rate,
      rated_episodes: readiness.rated_episodes,
    };
  }
}

export class StartExamDto {
  @ApiPropertyOptional({ default: false, description: 'true: 202 at once even with 10 cases or fewer (more than 10 always are)' })
  @IsOmittable()
  @IsBoolean()
  async?: boolean;
}

export class ExamCaseDto {
  @ApiProperty({ format: 'uuid' }) edge_case_id: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: ['low', 'medium', 'high', 'critical'] }) severity: string;
  @ApiProperty() passed: boolean;
  @ApiProperty({ type: 'string', nullable: true, description: 'The agent’s answer (null when the run gave none)' }) output: string | null;
  @ApiProperty() reason: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The exam-mode execution (GET /api/agents/{id}/executions/{execution_id})' })
  execution_id: string | null;
}

export class ExamDto {
  @ApiProperty({ format: 'uuid' }) exam_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'], description: '`failed`: the exam itself broke (no verdict, no cool-down)' })
  status: string;
  @ApiProperty({ type: 'boolean', nullable: true, description: 'null until completed' }) passed: boolean | null;
  @ApiProperty({ type: 'number', nullable: true, description: 'The readiness score the verdict used (this exam’s pass rate as its edge-case component)' })
  score: number | null;
  @ApiProperty({ type: 'number', nullable: true, description: 'Cases passed / cases asked' }) pass_rate: number | null;
  @ApiProperty({ description: 'What pass_rate had to reach: 0.8 for intern, 0.9 supervised, 1.0 autonomous' }) required_pass_rate: number;
  @ApiProperty({ type: [ExamCaseDto], description: 'In the order asked; filled in as the exam goes' }) cases: ExamCaseDto[];
  @ApiProperty({ type: 'integer' }) cases_total: number;
  @ApiProperty({ type: 'integer' }) cases_done: number;
  @ApiProperty({ type: ReadinessDto, nullable: true, description: 'Readiness at the level the exam was sat at; null until completed' })
  readiness: ReadinessDto | null;
  @ApiProperty() promoted: boolean;
  @ApiProperty({ enum: MATURITY_LEVELS, description: 'The level the exam was sat at' }) previous_level: MaturityLevel;
  @ApiProperty({ type: 'string', enum: MATURITY_LEVELS, nullable: true, description: 'The level reached; null unless promoted' }) new_level: MaturityLevel | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'A failed exam: no other before this time' }) cooldown_until: Date | null;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) completed_at: Date | null;

  static from(exam: ExamRow): ExamDto {
    return {
      exam_id: exam.id,
      agent_id: exam.agent_id,
      status: exam.status,
      passed: exam.passed,
      score: exam.score,
      pass_rate: exam.pass_rate,
      required_pass_rate: exam.required_pass_rate,
      cases: (exam.cases ?? []).map((c: ExamCaseResult) => ({ ...c })),
      cases_total: exam.cases_total,
      cases_done: exam.cases_done,
      readiness: exam.readiness ? ReadinessDto.from(exam.readiness) : null,
      promoted: exam.promoted,
      previous_level: exam.level,
      new_level: exam.new_level,
      cooldown_until: exam.cooldown_until,
      error: exam.error,
      created_at: exam.created_at,
      completed_at: exam.completed_at,
    };
  }
}

export class ChangeLevelDto {
  @ApiProperty({ example: 'Handled the quarter’s escalations without a miss', maxLength: 1000, description: 'At least one non-space character' })
  @IsString()
  @Length(1, 1000)
  @HasText()
  reason: string;

  @ApiPropertyOptional({ enum: MATURITY_LEVELS, description: 'Default: one level up (promote) or down (demote)' })
  @IsOmittable()
  @IsIn(MATURITY_LEVELS)
  to_level?: MaturityLevel;
}

export class ActorDto {
  @ApiProperty({ enum: ['user', 'api_key'] }) type: 'user' | 'api_key';
  @ApiProperty({ format: 'uuid' }) id: string;
}

export class HistoryEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: MATURITY_LEVELS }) from_level: MaturityLevel;
  @ApiProperty({ enum: MATURITY_LEVELS }) to_level: MaturityLevel;
  @ApiProperty({ enum: ['exam', 'manual', 'demotion'], description: '`exam`: a passed exam; `manual`: an admin’s promotion; `demotion`: an admin’s demotion' })
  type: HistoryType;
  @ApiProperty({ type: ActorDto }) actor: ActorDto;
  @ApiProperty({ type: 'string', nullable: true }) reason: string | null;
  @ApiProperty({ type: 'number', nullable: true }) readiness_score: number | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;

  static from(row: HistoryRow): HistoryEntryDto {
    return {
      id: row.id,
      from_level: row.from_level,
      to_level: row.to_level,
      type: row.type,
      actor: { type: row.actor_type, id: row.actor_id },
      reason: row.reason,
      readiness_score: row.readiness_score,
      created_at: row.created_at,
    };
  }
}

export class HistoryListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ['created_at'], default: 'created_at' })
  @IsOptional()
  @IsIn(['created_at'])
  sort = 'created_at' as const;
}

export class LevelChangeDto {
  @ApiProperty({ type: AgentDto, description: 'The agent at its new level' }) agent: AgentDto;
  @ApiProperty({ type: HistoryEntryDto, description: 'The history entry recorded for the change' }) change: HistoryEntryDto;
}
