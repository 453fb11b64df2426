/** The SQLSTATE of a failed statement, from the pg error itself or from TypeORM's wrapper of it. */
export function sqlState(error: unknown): string | undefined {
  const failure = error as { driverError?: { code?: string }; code?: string } | null | undefined;
  return failure?.driverError?.code ?? failure?.code;
}

/** 23505 unique_violation. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** 23503 foreign_key_violation: a row referred to is gone (deleted meanwhile). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === '23503';
}
