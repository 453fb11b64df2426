import { Paginated } from '../http/envelope';
import type { ListQueryDto } from './list-query.dto';

export function pageWindow(query: Pick<ListQueryDto, 'page' | 'limit'>): { skip: number; take: number } {
  return { skip: (query.page - 1) * query.limit, take: query.limit };
}

export function paginate<T>(items: T[], total: number, query: Pick<ListQueryDto, 'page' | 'limit'>): Paginated<T> {
  return new Paginated(items, {
    page: query.page,
    limit: query.limit,
    total,
    pages: Math.ceil(total / query.limit),
  });
}

/** Escapes LIKE wildcards so `q` is matched literally. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
