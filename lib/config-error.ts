/** A bad setting: start-up stops with this message, which names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

/** The settings as `schema` reads them, or a ConfigError naming the first bad variable and its value. */
export function parseSettings<S extends { safeParse(v: unknown): ParseResult }>(
  schema: S,
  env: Record<string, string | undefined>,
): Extract<ReturnType<S['safeParse']>, { success: true }>['data'] {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'configuration');
  throw new ConfigError(variable, `${issue.message} (got ${JSON.stringify(env[variable] ?? null)})`);
}

type ParseResult =
  | { success: true; data: unknown }
  | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
