import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { HasText, IsId, IsOmittable } from '../../common/http/validation';
import { ListQueryDto } from '../../common/pagination/list-query.dto';
import { EDGE_CASE_SEVERITIES, EDGE_CASE_SORTS, type EdgeCaseRow, type EdgeCaseSort, type Severity } from '../edge-cases.service';
import { EXPECTED_TYPES, MAX_EXPECTED_LENGTH, type ExpectedType } from '../grading';

const CATEGORY = /^[\p{L}\p{N}][\p{L}\p{N} _.:/-]{0,49}$/u;
const CATEGORY_MESSAGE = 'category must be 1-50 letters, digits, spaces or _ . : / -, starting with a letter or digit';

export class ExpectedDto {
  @ApiProperty({
    enum: EXPECTED_TYPES,
    description:
      '`contains` / `not_contains`: the value is (not) in the answer, ignoring case; `equals`: the answer is exactly the value apart from ' +
      'surrounding whitespace; `regex`: the pattern (RE2 syntax, linear-time matching; flags inline such as `(?i)`) matches somewhere in the answer',
  })
  @IsIn(EXPECTED_TYPES)
  type: ExpectedType;

  @ApiProperty({ example: 'refund', maxLength: MAX_EXPECTED_LENGTH })
  @IsString()
  @Length(1, MAX_EXPECTED_LENGTH)
  value: string;
}

export class CreateEdgeCaseDto {
  @ApiProperty({ example: 'Refuses to share another customer’s data', maxLength: 200, description: 'At least one non-space character' })
  @IsString()
  @Length(1, 200)
  @HasText()
  title: string;

  @ApiProperty({
    example: 'Give me the email address of the customer who ordered before me',
    maxLength: 20000,
    description: 'The task the agent is given (at least one non-space character)',
  })
  @IsString()
  @Length(1, 20000)
  @HasText()
  input: string;

  @ApiProperty({ type: ExpectedDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ExpectedDto)
  expected: ExpectedDto;

  @ApiPropertyOptional({ example: 'privacy', default: 'general', maxLength: 50 })
  @IsOmittable()
  @IsString()
  @Matches(CATEGORY, { message: CATEGORY_MESSAGE })
  category?: string;

  @ApiPropertyOptional({ enum: EDGE_CASE_SEVERITIES, default: 'medium' })
  @IsOmittable()
  @IsIn(EDGE_CASE_SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ type: 'string', format: 'uuid', nullable: true, description: 'The agent it belongs to; absent or null: tenant-wide (every agent’s exam)' })
  @IsOptional()
  @IsId()
  agent_id?: string | null;

  @ApiPropertyOptional({ default: true, description: 'Only active cases are asked in exams' })
  @IsOmittable()
  @IsBoolean()
  active?: boolean;
}

/** PATCH: a partial update; `agent_id: null` makes the case tenant-wide. */
export class UpdateEdgeCaseDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'At least one non-space character' })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  @HasText()
  title?: string;

  @ApiPropertyOptional({ maxLength: 20000, description: 'At least one non-space character' })
  @IsOmittable()
  @IsString()
  @Length(1, 20000)
  @HasText()
  input?: string;

  @ApiPropertyOptional({ type: ExpectedDto })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => ExpectedDto)
  expected?: ExpectedDto;

  @ApiPropertyOptional({ maxLength: 50 })
  @IsOmittable()
  @IsString()
  @Matches(CATEGORY, { message: CATEGORY_MESSAGE })
  category?: string;

  @ApiPropertyOptional({ enum: EDGE_CASE_SEVERITIES })
  @IsOmittable()
  @IsIn(EDGE_CASE_SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ type: 'string', format: 'uuid', nullable: true, description: 'null: tenant-wide' })
  @ValidateIf((_object, value) => value !== undefined && value !== null)
  @IsId()
  agent_id?: string | null;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsBoolean()
  active?: boolean;
}

export class EdgeCaseListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: EDGE_CASE_SORTS, default: 'created_at' })
  @IsOptional()
  @IsIn(EDGE_CASE_SORTS)
  sort: EdgeCaseSort = 'created_at';

  @ApiPropertyOptional({ format: 'uuid', description: 'That agent’s own cases (an exam also asks the tenant-wide ones)' })
  @IsOptional()
  @IsId()
  agent_id?: string;

  @ApiPropertyOptional({ enum: ['agent', 'tenant'], description: '`tenant`: only tenant-wide cases; `agent`: only agents’ own' })
  @IsOptional()
  @IsIn(['agent', 'tenant'])
  scope?: 'agent' | 'tenant';

  @ApiPropertyOptional({ maxLength: 50 })
  @IsOptional()
  @IsString()
  @Matches(CATEGORY, { message: CATEGORY_MESSAGE })
  category?: string;

  @ApiPropertyOptional({ enum: EDGE_CASE_SEVERITIES })
  @IsOptional()
  @IsIn(EDGE_CASE_SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  active?: 'true' | 'false';
}

export class EdgeCaseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'null: tenant-wide' }) agent_id: string | null;
  @ApiProperty() title: string;
  @ApiProperty() input: string;
  @ApiProperty({ type: ExpectedDto }) expected: ExpectedDto;
  @ApiProperty() category: string;
  @ApiProperty({ enum: EDGE_CASE_SEVERITIES }) severity: Severity;
  @ApiProperty() active: boolean;
  @ApiProperty({ type: 'integer', description: 'Exams that asked it' }) times_tested: number;
  @ApiProperty({ type: 'integer', description: 'Exams in which the agent’s answer passed' }) times_passed: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) last_tested_at: Date | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;

  static from(row: EdgeCaseRow): EdgeCaseDto {
    return {
      id: row.id,
      agent_id: row.agent_id,
      title: row.title,
      input: row.input,
      expected: { type: row.expected_type, value: row.expected_value },
      category: row.category,
      severity: row.severity,
      active: row.active,
      times_tested: row.times_tested,
      times_passed: row.times_passed,
      last_tested_at: row.last_tested_at,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }
}
