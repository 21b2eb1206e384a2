/**
 * The one error type of the platform. Every refusal carries a machine code and a
 * Chinese message for people; HTTP turns it into RFC 9457 problem+json or a friendly page.
 */
export interface FieldProblem {
  /** JSON pointer or form field name the problem is about. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields: FieldProblem[];

  constructor(input: { code: string; message: string; status?: number; fields?: FieldProblem[] }) {
    super(input.message);
    this.name = 'AppError';
    this.code = input.code;
    this.status = input.status ?? 400;
    this.fields = input.fields ?? [];
  }
}

export const badRequest = (code: string, message: string, fields?: FieldProblem[]) =>
  new AppError({ code, message, status: 400, fields });
export const notFound = (code: string, message: string) => new AppError({ code, message, status: 404 });
export const conflict = (code: string, message: string) => new AppError({ code, message, status: 409 });
export const forbidden = (message = '您没有执行此操作的权限。', code = 'forbidden') =>
  new AppError({ code, message, status: 403 });
export const unauthenticated = (message = '请先登录。') =>
  new AppError({ code: 'unauthenticated', message, status: 401 });

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
