import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';

const DECIMAL_INTEGER = /^-?[0-9]+$/;

/**
 * An integer query parameter from `min` to `max`. Only plain decimal digits (an optional leading
 * minus) are read as a number: `Number()` (what @Type(() => Number) does) also takes `0x10`, `1e3`,
 * `+1`, ` 1`, `100.0` and `50 `, which a client did not mean as the integer they become. One message
 * per bad value: not an integer, or which bound it crosses.
 */
export function IsQueryInteger(min: number, max: number): PropertyDecorator {
  const transform = Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value));
  const validate = ValidateBy({
    name: 'isQueryInteger',
    validator: {
      validate: (value: unknown) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
      defaultMessage: (args) => {
        const { property, value } = args ?? { property: 'value', value: undefined };
        if (!Number.isInteger(value)) return `${property} must be an integer written in decimal digits (${min} to ${max})`;
        return (value as number) < min ? `${property} must not be less than ${min}` : `${property} must not be greater than ${max}`;
      },
    },
  });
  return (target: object, propertyKey: string | symbol) => {
    transform(target, propertyKey);
    validate(target, propertyKey as string);
  };
}

/**
 * page/limit/order/q for every list. A resource's own query DTO extends it and adds `sort`
 * with its whitelist (and its filters), so an unknown sort or filter value is a 400, never ignored.
 */
export class ListQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000, default: 1, description: 'Decimal digits only' })
  @IsOptional()
  @IsQueryInteger(1, 1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Decimal digits only' })
  @IsOptional()
  @IsQueryInteger(1, 100)
  limit: number = 20;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';

  @ApiPropertyOptional({ description: 'Text search over the resource’s text fields', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
