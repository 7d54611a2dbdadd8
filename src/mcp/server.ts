// One MCP server (the SDK's low-level Server) for one caller: tools/list and tools/call over the tool set.
// The low-level Server rather than McpServer: McpServer takes Zod schemas, ours are the JSON Schemas of schemas/.
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../core/action-service';
import type { McpTools } from './tools';

export const SERVER_INFO = { name: 'taskgate', title: 'taskgate: human tasks of SecMaster, IBM BPM, Oracle BPM and K2', version: '1.0.0' };

const INSTRUCTIONS = 'taskgate reaches human tasks (approvals, to-dos, worklist items) in several vendor systems through one vocabulary. '
  + 'Find work with search_tasks, read one task with get_task, check what a backend can do with describe_backend, then act with perform_action. '
  + 'perform_action changes real work: use dryRun to preview, pass an idempotencyKey, and ask the person you act for before you approve, reject or reassign.';

export interface McpSession {
  caller: Caller;
  /** The request id of each tool call's audit record and problems: the HTTP request's, or a new one per call. */
  requestId?: () => string;
  onBehalfOf?: string;
}

export function createMcpServer(tools: McpTools, session: McpSession): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.list() }));
  server.setRequestHandler(CallToolRequestSchema, (request) => tools.call(request.params.name, request.params.arguments, {
    caller: session.caller,
    requestId: session.requestId?.() ?? randomUUID(),
    onBehalfOf: session.onBehalfOf,
  }));
  return server;
}
