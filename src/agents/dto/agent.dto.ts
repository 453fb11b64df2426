import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength,
  registerDecorator, type ValidationOptions,
} from 'class-validator';
import { HasText, IsOmittable } from '../../common/http/validation';
import { ListQueryDto } from '../../common/pagination/list-query.dto';
import { agentConfigProblem, MAX_MAX_STEPS } from '../agent-config';
import type { AgentEntity } from '../agent.entity';
import { AGENT_STATUSES, MATURITY_LEVELS, type AgentStatus, type MaturityLevel } from '../maturity';

const ACTION_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/;

/** The keys of `config` the platform reads have the types it reads them with (agentConfigProblem). */
function IsAgentConfig(options?: ValidationOptions): PropertyDecorator {
  return (object: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isAgentConfig',
      target: object.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => typeof value !== 'object' || value === null || agentConfigProblem(value as Record<string, unknown>) === null,
        defaultMessage: (args) => agentConfigProblem((args?.value ?? {}) as Record<string, unknown>) ?? 'config is invalid',
      },
    });
}

/** The optional fields, shared by create and update. (name and role are declared in each: a parent's
 * @IsOptional would also apply to a child's redeclared property and make it optional there.) */
class AgentOptionalFieldsDto {
  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 2000, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 20000, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  system_prompt?: string | null;

  @ApiPropertyOptional({ type: 'string', example: 'gpt-4o-mini', nullable: true, description: 'Overrides the configured LLM_MODEL for this agent; null: the default' })
  @IsOptional()
  @IsString()
  @Matches(MODEL_NAME, { message: 'model must be a model name (letters, digits and . _ : / @ -)' })
  model?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['memory_search', 'summarize'], description: 'Names of the actions the agent may use: `memory_search`, `summarize`, `draft`, `http_request`, `send_webhook_event` (any other name is 400 INVALID_INPUT)' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(ACTION_NAME, { each: true, message: 'each tool must be an action name (lowercase letters, digits, _)' })
  tools?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { max_steps: 8 },
    description: `Free-form settings; \`max_steps\` (model calls per execution or chat turn, default 6) must be an integer from 1 to ${MAX_MAX_STEPS}`,
  })
  @IsOmittable()
  @IsObject()
  @IsAgentConfig()
  config?: Record<string, unknown>;
}

export class CreateAgentDto extends AgentOptionalFieldsDto {
  @ApiProperty({ example: 'Ada', maxLength: 100, description: 'At least one non-space character' })
  @IsString()
  @Length(1, 100)
  @HasText()
  name: string;

  @ApiProperty({ example: 'Customer support', maxLength: 100, description: 'At least one non-space character' })
  @IsString()
  @Length(1, 100)
  @HasText()
  role: string;
}

/** PUT and PATCH: a partial update. Maturity is not here: only graduation changes it. */
export class UpdateAgentDto extends AgentOptionalFieldsDto {
  @ApiPropertyOptional({ example: 'Ada', maxLength: 100, description: 'At least one non-space character' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  @HasText()
  name?: string;

  @ApiPropertyOptional({ example: 'Customer support', maxLength: 100, description: 'At least one non-space character' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  @HasText()
  role?: string;

  @ApiPropertyOptional({ enum: AGENT_STATUSES })
  @IsOmittable()
  @IsIn(AGENT_STATUSES)
  status?: AgentStatus;
}

export const AGENT_SORTS = ['created_at', 'updated_at', 'name', 'maturity_level'] as const;
export type AgentSort = (typeof AGENT_SORTS)[number];

export class AgentListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: AGENT_SORTS, default: 'created_at' })
  @IsOptional()
  @IsIn(AGENT_SORTS)
  sort: AgentSort = 'created_at';

  @ApiPropertyOptional({ enum: MATURITY_LEVELS })
  @IsOptional()
  @IsIn(MATURITY_LEVELS)
  maturity_level?: MaturityLevel;

  @ApiPropertyOptional({ enum: AGENT_STATUSES })
  @IsOptional()
  @IsIn(AGENT_STATUSES)
  status?: AgentStatus;
}

export class AgentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() role: string;
  @ApiProperty({ type: 'string', nullable: true }) description: string | null;
  @ApiProperty({ type: 'string', nullable: true }) system_prompt: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'null: the configured default model' }) model: string | null;
  @ApiProperty({ type: [String] }) tools: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) config: Record<string, unknown>;
  @ApiProperty({ enum: MATURITY_LEVELS }) maturity_level: MaturityLevel;
  @ApiProperty({ enum: AGENT_STATUSES }) status: AgentStatus;
  @ApiProperty({ type: 'number', nullable: true, minimum: 0, maximum: 1, description: 'Latest computed readiness' })
  readiness_score: number | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The user or API key that created it' })
  created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;

  static from(agent: AgentEntity): AgentDto {
    return {
      id: agent.id,
      name: agent.name,
      role: agent.role,
      description: agent.description,
      system_prompt: agent.systemPrompt,
      model: agent.model,
      tools: agent.tools,
      config: agent.config,
      maturity_level: agent.maturityLevel,
      status: agent.status,
      readiness_score: agent.readinessScore,
      created_by: agent.createdBy,
      created_at: agent.createdAt,
      updated_at: agent.updatedAt,
    };
  }
}
