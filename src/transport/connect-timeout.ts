// Keep-alive agents whose new sockets must connect within a limit: a vendor that never accepts fails fast.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';

/** Node's own code for a connect timeout; nothing was sent when it happens, so a retry is safe. */
export const CONNECT_TIMEOUT_CODE = 'ERR_SOCKET_CONNECTION_TIMEOUT';

/** Failures before a connection existed: the vendor cannot have seen any byte of the request. */
export const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', CONNECT_TIMEOUT_CODE]);

/** Destroys a socket that has not connected within `ms` (Node's own timer: exact). */
export function limitConnect(socket: net.Socket, ms: number): void {
  if (socket.connecting === false) return;
  const timer = setTimeout(() => {
    const error = Object.assign(new Error(`connect timed out after ${ms} ms`), { code: CONNECT_TIMEOUT_CODE });
    socket.destroy(error);
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  socket.once('connect', clear);
  socket.once('close', clear);
}

export function connectTimeoutAgents(connectTimeoutMs: number): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  class HttpAgent extends http.Agent {
    override createConnection(...args: Parameters<http.Agent['createConnection']>): ReturnType<http.Agent['createConnection']> {
      const socket = super.createConnection(...args) as net.Socket;
      limitConnect(socket, connectTimeoutMs);
      return socket;
    }
  }
  class HttpsAgent extends https.Agent {
    override createConnection(...args: Parameters<http.Agent['createConnection']>): ReturnType<http.Agent['createConnection']> {
      const socket = (https.Agent.prototype as unknown as http.Agent).createConnection.apply(this, args) as net.Socket;
      limitConnect(socket, connectTimeoutMs);
      return socket;
    }
  }
  return { httpAgent: new HttpAgent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) };
}
