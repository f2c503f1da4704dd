// The process logger: JSON lines on stdout (pino). Secrets never go through it: configuration is
// logged only as the summary the gateway builds, never as the raw object.
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
