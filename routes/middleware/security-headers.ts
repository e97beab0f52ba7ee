// The security headers every response carries (helmet), and the same headers captured once
// for the responses the fast lane and the webhook write without middleware.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { Config } from '../../lib/config.ts';

export function securityHeaders(config: Config) {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        'frame-ancestors': ["'none'"],
        // The donate form redirects to Checkout; browsers apply form-action to that redirect.
        'form-action': ["'self'", checkoutOrigin(config)],
        // Only on https: on an http site it would send the framed banner's close form to https, which fails.
        'upgrade-insecure-requests': config.isHttps ? [] : null,
      },
    },
    strictTransportSecurity: config.isHttps,
  });
}

/** What securityHeaders() sets, as a plain object (lower-case names), computed once. */
export function capturedSecurityHeaders(config: Config): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) =>
      void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let done = false;
  securityHeaders(config)({ headers: {} } as IncomingMessage, res as unknown as ServerResponse, () => (done = true));
  if (!done) throw new Error('the security headers middleware did not finish synchronously');
  return headers;
}

/** The one page that may be framed: this site and the configured host sites as frame-ancestors. */
export function framableBy(headers: Record<string, string>, allowedOrigins: readonly string[]): Record<string, string> {
  const { 'x-frame-options': _dropped, ...rest } = headers;
  const ancestors = ["'self'", ...allowedOrigins].join(' ');
  return {
    ...rest,
    'content-security-policy': (rest['content-security-policy'] ?? '').replace(
      /frame-ancestors [^;]*/,
      `frame-ancestors ${ancestors}`,
    ),
  };
}

function checkoutOrigin(config: Config): string {
  return config.stripe.apiUrl ? new URL(config.stripe.apiUrl).origin : 'https://checkout.stripe.com';
}
