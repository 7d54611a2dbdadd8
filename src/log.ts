// The process logger: JSON lines on stdout through winston; callers pass fields, never credentials.
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(level = 'info', stream?: NodeJS.WritableStream): Logger {
  const transport = stream
    ? new winston.transports.Stream({ stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
}
