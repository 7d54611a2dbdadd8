// `taskgate mcp`: the MCP tools over stdio for a local agent, as one configured API key: a gateway instance without
// HTTP (backends, store, task index and its sync, rate limit, audit). stdout carries protocol messages only; logs go
// to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createActionService, createBackends, createRateLimiter } from '../compose';
import { ConfigError, type GatewayConfig } from '../config/load';
import type { Caller } from '../core/action-service';
import { Gateway } from '../core/gateway';
import { inboxQuery } from '../http/tasks-route';
import { createLogger, type Logger } from '../log';
import { openStore } from '../store/open';
import type { CycleResult } from '../sync/cycle';
import { IndexService } from '../sync/index-service';
import { SyncScheduler } from '../sync/scheduler';
import { createMcpServer } from './server';
import { McpTools } from './tools';

export interface StdioOptions {
  config: GatewayConfig;
  /** The `name` of one of `auth.apiKeys`: the tools act as that key (its backends, rate limit, audit name). */
  keyName: string;
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

export async function serveStdio({ config, keyName, logger = createLogger(config.log.level, process.stderr), stdin = process.stdin, stdout = process.stdout }: StdioOptions): Promise<RunningStdio> {
  const caller = callerNamed(config, keyName);
  const gateway = new Gateway(createBackends(config.backends, {
    onCircuitChange: (backend, from, to) => logger.warn('circuit breaker state changed', { backend, from, to }),
  }));
  const store = await openStore(config.store, (error) => logger.error('store connection error', { error: error.message }));
  const index = new IndexService({ store, backends: gateway.list(), config: config.sync });
  const actions = createActionService({ config, gateway, store, logger, index });
  const rateLimiter = createRateLimiter({ config, store, logger });
  // The index is synced as by any gateway instance (on a shared store, one instance at a time per backend).
  const sync = new SyncScheduler({ gateway, store, config: config.sync });
  sync.on('cycle', (result: CycleResult) => {
    if (!result.ok) logger.warn('sync cycle failed', { backend: result.backend, code: result.error?.code, detail: result.error?.detail });
  });
  sync.on('failed', ({ backend, error }: { backend: string; error: unknown }) => logger.error('sync store error', { backend, error: error instanceof Error ? error.message : String(error) }));
  const inbox = inboxQuery(index, gateway);
  const tools = new McpTools({
    gateway, actions, logger, rateLimit: (name) => rateLimiter.take(name),
    inbox: { query: (who, search) => inbox(who, { ...search }) },
  });
  const server = createMcpServer(tools, { caller });
  const transport = new StdioServerTransport(stdin as NodeJS.ReadStream, stdout as NodeJS.WriteStream);

  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    await server.close().catch(() => undefined);
    await sync.stop();
    await store.close().catch((error: Error) => logger.error('closing the store failed', { error: error.message }));
    logger.info('mcp over stdio: stopped', { keyName });
    done();
  })());
  transport.onerror = (error) => logger.warn('mcp over stdio: unreadable message', { error: error.message });
  stdin.once('end', () => void close());
  await server.connect(transport);
  sync.start();
  logger.info('mcp over stdio: serving', { keyName, backends: gateway.list().map((b) => b.name) });
  return { closed, close };
}
