import { createValidationPipe } from '../http/validation';
import { AppError } from '../http/error-codes';
import { ListQueryDto } from './list-query.dto';

/** The query as the API's own pipe reads it, or the fields it refuses. */
async function read(query: Record<string, unknown>): Promise<ListQueryDto | { fields: Array<{ field: string; errors: string[] }> }> {
  try {
    return (await createValidationPipe().transform(query, { type: 'query', metatype: ListQueryDto })) as ListQueryDto;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).details as { fields: Array<{ field: string; errors: string[] }> };
  }
}

describe('ListQueryDto page and limit', () => {
  it('default to page 1 of 20', async () => {
    expect(await read({})).toMatchObject({ page: 1, limit: 20, order: 'desc' });
  });

  it.each([
    ['1', 1],
    ['100', 100],
    ['007', 7],
  ])('read the decimal integer %j as %i', async (raw, value) => {
    expect(await read({ page: raw, limit: raw })).toMatchObject({ page: value, limit: value });
  });

  it.each(['0x10', '1e3', '1e1', '+1', ' 1', '1 ', '50 ', '100.0', '1.5', '', ' ', 'abc', 'Infinity', 'NaN', '0b1', '0o7', '1_0', '١'])(
    'refuse %j, which Number() would have read',
    async (raw) => {
      for (const field of ['page', 'limit']) {
        const result = await read({ [field]: raw });
        expect(result).toEqual({ fields: [{ field, errors: [`${field} must be an integer written in decimal digits (1 to ${field === 'page' ? 1_000_000 : 100})`] }] });
      }
    },
  );

  it('refuse a repeated parameter (an array)', async () => {
    expect(await read({ limit: ['1', '2'] })).toEqual({ fields: [{ field: 'limit', errors: [expect.stringContaining('decimal digits')] }] });
  });

  it('name the bound a decimal integer crosses, with one message', async () => {
    expect(await read({ limit: '0' })).toEqual({ fields: [{ field: 'limit', errors: ['limit must not be less than 1'] }] });
    expect(await read({ limit: '-1' })).toEqual({ fields: [{ field: 'limit', errors: ['limit must not be less than 1'] }] });
    expect(await read({ limit: '101' })).toEqual({ fields: [{ field: 'limit', errors: ['limit must not be greater than 100'] }] });
    expect(await read({ page: '99999999999999999999' })).toEqual({ fields: [{ field: 'page', errors: ['page must not be greater than 1000000'] }] });
  });
});
