// POST /mcp: the MCP tools over Streamable HTTP (the SDK's transport), stateless: each request is authenticated with
// its API key and served by a server and transport of its own, so any gateway instance can answer any request.
import type { Request, Response } from 'express';
import type { ApiKeys } from '../http/api-keys';
import { locals, type Route } from '../http/app';
import type { McpTools } from './tools';

export interface McpRouteDeps {
  apiKeys: ApiKeys;
  tools: McpTools;
  /** The server's body limit (`server.bodyLimit`, e.g. 1mb): the transport reads the body itself. */
  bodyLimit: string;
}

/**
 * Stateless rather than sessions: a tool call carries everything it needs (the key, the arguments), so no session
 * state has to live in one instance's memory, and gateways behind a load balancer need no sticky routing.
 * Hence no server-to-client stream: GET and DELETE are 405 (with Allow: POST), as the protocol allows.
 */
export function mcpRoute(route: Route, { apiKeys, tools, bodyLimit }: McpRouteDeps): void {
  const maxRequestBodySize = bytes(bodyLimit);
  route('/mcp', {
    post: [
      async (req: Request, res: Response) => {
        const l = locals(res);
        // 401 problem+json like every /v1 route, before the body is read.
        l.caller = apiKeys.authenticate(req);
        const onBehalfOf = req.get('x-on-behalf-of');
        // Loaded on the first /mcp request: the SDK costs a gateway ~40 MB of memory that one serving no agent
        // should not pay (docs/performance.md).
        const [{ StreamableHTTPServerTransport }, { createMcpServer }] = await Promise.all([
          import('@modelcontextprotocol/sdk/server/streamableHttp.js'), import('./server'),
        ]);
        const server = createMcpServer(tools, { caller: l.caller, requestId: () => l.requestId, onBehalfOf });
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize });
        res.once('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res);
      },
    ],
  });
}

/** `1mb`, `512kb`, `1000` (bytes), as the config schema allows them. */
function bytes(limit: string): number {
  const [, digits, unit = 'b'] = /^(\d+)(b|kb|mb)?$/.exec(limit) ?? [];
  if (digits === undefined) throw new Error(`mcp: cannot read the body limit '${limit}'`);
  return Number(digits) * { b: 1, kb: 1024, mb: 1024 * 1024 }[unit as 'b' | 'kb' | 'mb'];
}
