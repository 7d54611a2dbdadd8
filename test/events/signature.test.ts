// Webhook signatures: the Standard Webhooks specification's test vector, and what a receiver's library verifies.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signedRequest } from '../../src/events/webhook-sender';
import { SECRET } from './helpers';

// From the specification's reference libraries (libraries/javascript/src/webhook.test.ts, "sign function works").
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

test('the specification vector: id, timestamp and body signed with the decoded secret give its signature', () => {
  const request = signedRequest(VECTOR.secret, VECTOR.id, VECTOR.payload, new Date(VECTOR.timestamp * 1000));
  expect(request.headers).toMatchObject({
    'webhook-id': VECTOR.id,
    'webhook-timestamp': String(VECTOR.timestamp),
    'webhook-signature': VECTOR.signature,
    'Content-Type': 'application/cloudevents+json',
  });
  expect(request.body).toBe(VECTOR.payload);
});

test('the signature is HMAC-SHA256 over "<id>.<timestamp>.<body>" keyed with the base64-decoded secret', () => {
  const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  const body = JSON.stringify({ specversion: '1.0', id: 'evt_ab_7', data: { text: 'ünïcode ✓' } });
  const request = signedRequest(SECRET, 'evt_ab_7', body, at);
  const seconds = Math.floor(at.getTime() / 1000);
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key).update(`evt_ab_7.${seconds}.${body}`, 'utf8').digest('base64');
  expect(request.headers['webhook-timestamp']).toBe(String(seconds));
  expect(request.headers['webhook-signature']).toBe(`v1,${mac}`);
});

test('a receiver verifies a fresh request with the same secret and refuses it with another or with a changed body', () => {
  const request = signedRequest(SECRET, 'evt_x_1', '{"a":1}', new Date());
  expect(new Webhook(SECRET).verify(request.body, request.headers)).toEqual({ a: 1 });
  expect(() => new Webhook('whsec_' + Buffer.alloc(24, 7).toString('base64')).verify(request.body, request.headers)).toThrow();
  expect(() => new Webhook(SECRET).verify('{"a":2}', request.headers)).toThrow();
});
