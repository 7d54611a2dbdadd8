// The sandbox's webhook receiver: for each loopback webhook, a small server that checks the signature and logs the event.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookConfig } from '../config/load';
import type { Logger } from '../log';

export interface RunningReceiver {
  webhook: string;
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_BODY = 1024 * 1024;

/** Webhooks the sandbox receives itself: those whose URL is on this machine's loopback. */
export function loopbackWebhooks(webhooks: WebhookConfig[]): WebhookConfig[] {
  return webhooks.filter((w) => {
    try {
      return LOOPBACK.has(new URL(w.url).hostname);
    } catch {
      return false;
    }
  });
}

/**
 * A receiver on the webhook URL's port: a POST whose Standard Webhooks signature verifies with the webhook's
 * secret is logged (`webhook received`) and answered 204; any other is logged as refused and answered 401.
 */
export async function startReceiver(webhook: WebhookConfig, logger: Pick<Logger, 'info' | 'warn'>, port?: number): Promise<RunningReceiver> {
  const url = new URL(webhook.url);
  const verifier = new Webhook(webhook.secret);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        if (req.method !== 'POST' || size > MAX_BODY) throw new Error(req.method !== 'POST' ? 'not a POST' : 'body too large');
        const event = verifier.verify(body, req.headers as Record<string, string>) as { id?: string; type?: string; subject?: string; source?: string; data?: { sequence?: number } };
        logger.info('webhook received', {
          webhook: webhook.name, signature: 'verified', webhookId: req.headers['webhook-id'], type: event.type, source: event.source,
          subject: event.subject, sequence: event.data?.sequence,
        });
        res.writeHead(204).end();
      } catch (error) {
        logger.warn('webhook refused', { webhook: webhook.name, reason: (error as Error).message });
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('signature not verified\n');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? Number(url.port || 80), url.hostname.replace(/^\[|\]$/g, ''), () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    webhook: webhook.name,
    url: `${url.protocol}//${url.hostname}:${bound}${url.pathname}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
