import { likePattern, pageWindow, paginate } from './paginate';

describe('pageWindow', () => {
  it('starts page 1 at offset 0', () => {
    expect(pageWindow({ page: 1, limit: 20 })).toEqual({ skip: 0, take: 20 });
  });

  it('skips the earlier pages', () => {
    expect(pageWindow({ page: 3, limit: 25 })).toEqual({ skip: 50, take: 25 });
  });
});

describe('paginate', () => {
  it.each([
    [0, 20, 0],
    [1, 20, 1],
    [20, 20, 1],
    [21, 20, 2],
    [150, 20, 8],
    [100, 100, 1],
  ])('total %i at %i per page makes %i pages', (total, limit, pages) => {
    expect(paginate([], total, { page: 1, limit }).pagination.pages).toBe(pages);
  });

  it('carries items, page, limit and total', () => {
    const page = paginate(['a', 'b'], 42, { page: 2, limit: 2 });
    expect(page.items).toEqual(['a', 'b']);
    expect(page.pagination).toEqual({ page: 2, limit: 2, total: 42, pages: 21 });
  });
});

describe('likePattern', () => {
  it('wraps the query in % to match anywhere', () => {
    expect(likePattern('acme')).toBe('%acme%');
  });

  it.each([
    ['100%', '%100\\%%'],
    ['a_b', '%a\\_b%'],
    ['C:\\dir', '%C:\\\\dir%'],
    ['%_\\', '%\\%\\_\\\\%'],
  ])('escapes wildcards and backslashes in %j', (q, pattern) => {
    expect(likePattern(q)).toBe(pattern);
  });
});
