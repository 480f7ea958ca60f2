import { problemDetailsSchema } from './problem';

describe('problemDetailsSchema', () => {
  it('defaults type to about:blank and keeps extension members', () => {
    const parsed = problemDetailsSchema.parse({ title: 'Not Found', status: 404, requestId: 'abc' });
    expect(parsed).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, requestId: 'abc' });
  });

  it('accepts field errors', () => {
    const problem = {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'invalid request body',
      errors: [{ field: 'items[0].quantity', message: 'must be at least 1' }],
    };
    expect(problemDetailsSchema.parse(problem)).toEqual(problem);
  });

  it.each([
    [{ title: 'x', status: 42 }],
    [{ title: 'x', status: '400' }],
    [{ status: 400 }],
    [{ title: 'x', status: 400, errors: [{ field: 'items' }] }],
  ])('rejects %j', (problem) => {
    expect(problemDetailsSchema.safeParse(problem).success).toBe(false);
  });
});
