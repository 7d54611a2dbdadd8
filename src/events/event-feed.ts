// The change feed as pages: in sequence order, narrowed by type prefix and backend, with a long poll.
import { EventEmitter } from 'node:events';
import type { ChangeKind } from '../store/index-store';
import type { OutboxStore } from '../store/outbox-store';
import { toCloudEvent, type CloudEvent } from './cloud-event';

export interface FeedQuery {
  /** Sequence number to read after (0: from the oldest retained event). */
  after: number;
  limit: number;
  /** Only these kinds; absent: all. */
  kinds?: ChangeKind[];
  /** Only these backends; absent: all. */
  backends?: string[];
}

export interface FeedPage {
  items: CloudEvent[];
  /** Where the next read starts: the last item's sequence, or past records that did not match. */
  next: number;
}

export class EventFeed {
  private readonly changes = new EventEmitter();

  constructor(private readonly outbox: OutboxStore, private readonly pollMs = 500) {
    this.changes.setMaxListeners(0);
  }

  /** New change records were committed in this process: waiting readers look at once. */
  notify(): void {
    this.changes.emit('change');
  }

  async page(query: FeedQuery): Promise<FeedPage> {
    // Read before the page: every record up to it that matches is in the page (PostgreSQL makes change records
    // visible in sequence order), so an empty page may move the cursor there and not scan the same rows again.
    const max = await this.outbox.maxSequence();
    const records = await this.outbox.changesAfter(query.after, query.limit, { kinds: query.kinds, backends: query.backends });
    const storeId = await this.outbox.storeId();
    const items = records.map((r) => toCloudEvent(r, storeId));
    const last = items.length ? items[items.length - 1].data.sequence : query.after;
    const next = items.length === query.limit ? last : Math.max(last, query.after, max);
    return { items, next };
  }

  /**
   * A page, waiting up to `waitMs` for one that is not empty: woken by notify() and, for records other gateways
   * commit, by reading the store every pollMs. Resolves early (maybe empty) when `signal` aborts.
   */
  async wait(query: FeedQuery, waitMs: number, signal?: AbortSignal): Promise<FeedPage> {
    const deadline = Date.now() + waitMs;
    let page = await this.page(query);
    while (page.items.length === 0 && !signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.nap(Math.min(left, this.pollMs), signal);
      page = await this.page({ ...query, after: page.next });
    }
    return page;
  }

  private nap(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.changes.off('change', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.changes.once('change', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
