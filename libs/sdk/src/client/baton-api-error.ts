/** One invalid field of a request, e.g. `{path: "steps[1].with.url", message: "…"}`. */
export interface ProblemFieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem as the admin API answers errors. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Every validation error with its path (400 answers). */
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
}

/** The admin API answered with a status outside 2xx. */
export class BatonApiError extends Error {
  override name = 'BatonApiError';
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly errors: ProblemFieldError[];

  constructor(readonly problem: Problem) {
    super(describe(problem));
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
  }

  /** Reads an error response: its problem document, or what can be said about a body that is not one. */
  static fromResponse(status: number, statusText: string, body: string): BatonApiError {
    const parsed = parseJson(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const document = parsed as Record<string, unknown>;
      return new BatonApiError({
        ...document,
        status,
        title: typeof document['title'] === 'string' ? document['title'] : statusText || `HTTP ${status}`,
        detail: typeof document['detail'] === 'string' ? document['detail'] : undefined,
        errors: fieldErrorsOf(document['errors']),
      });
    }
    return new BatonApiError({ status, title: statusText || `HTTP ${status}`, detail: body.slice(0, 500) || undefined });
  }
}

function describe(problem: Problem): string {
  const head = `${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`;
  const fields = (problem.errors ?? []).map((e) => `${e.path || '(document)'}: ${e.message}`);
  return fields.length > 0 ? `${head} (${fields.join('; ')})` : head;
}

function fieldErrorsOf(value: unknown): ProblemFieldError[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .map((e) => ({ path: String(e['path'] ?? ''), message: String(e['message'] ?? '') }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
