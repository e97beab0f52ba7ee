import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(env: 'production' | 'development' | 'test'): Logger {
  return pino({ level: env === 'test' ? 'silent' : 'info', base: { app: 'fundraiser' } });
}
