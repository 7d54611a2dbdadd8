// `taskgate mcp`: the MCP tools over stdio for a local agent, as one configured API key, with the gateway's own
// backends, store (audit, Idempotency-Key) and rate limit. stdout carries protocol messages only; logs go to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createActionService, createBackends } from '../compose';
import { ConfigError, type GatewayConfig } from '../config/load';
import type { Caller } from '../core/action-service';
import { Gateway } from '../core/gateway';
import { RateLimiter } from '../http/rate-limit';
import { createLogger, type Logger } from '../log';
import { openStore } from '../store/open';
import type { InboxQuery } from './inbox';
import { createMcpServer } from './server';
import { McpTools } from './tools';

export interface StdioOptions {
  config: GatewayConfig;
  /** The `name` of one of `auth.apiKeys`: the tools act as that key (its backends, rate limit, audit name). */
  keyName: string;
  inbox?: InboxQuery;
  logger?: Logger;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
}

export interface RunningStdio {
  /** Resolves once the client has gone (stdin ended) or close() was called, and everything is closed. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** The configured key as a caller; a name that is not configured is a ConfigError (a startup failure). */
export function callerNamed(config: GatewayConfig, keyName: string): Caller {
  const key = config.auth.apiKeys.find((k) => k.name === keyName);
  if (!key) throw new ConfigError(`--key-name: no API key is named '${keyName}' in auth.apiKeys (names: ${config.auth.apiKeys.map((k) => k.name).join(', ')})`);
  return { name: key.name, backends: key.backends, scopes: key.scopes };
}

export async function serveStdio({ config, keyName, inbox, logger = createLogger(config.log.level, process.stderr), stdin = process.stdin, stdout = process.stdout }: StdioOptions): Promise<RunningStdio> {
  const caller = callerNamed(config, keyName);
  const gateway = new Gateway(createBackends(config.backends, {
    onCircuitChange: (backend, from, to) => logger.warn('circuit breaker state changed', { backend, from, to }),
  }));
  const store = await openStore(config.store, (error) => logger.error('store connection error', { error: error.message }));
  const actions = createActionService({ config, gateway, store, logger });
  const rateLimiter = new RateLimiter(config.auth.apiKeys);
  const tools = new McpTools({ gateway, actions, inbox, rateLimit: (name) => rateLimiter.take(name), logger });
  const server = createMcpServer(tools, { caller });
  const transport = new StdioServerTransport(stdin as NodeJS.ReadStream, stdout as NodeJS.WriteStream);

  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    await server.close().catch(() => undefined);
    await store.close().catch((error: Error) => logger.error('closing the store failed', { error: error.message }));
    logger.info('mcp over stdio: stopped', { keyName });
    done();
  })());
  transport.onerror = (error) => logger.warn('mcp over stdio: unreadable message', { error: error.message });
  stdin.once('end', () => void close());
  await server.connect(transport);
  logger.info('mcp over stdio: serving', { keyName, backends: gateway.list().map((b) => b.name) });
  return { closed, close };
}
