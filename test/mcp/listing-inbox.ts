// A test double of the inbox port: each named (or allowed) backend's task list read live through the gateway, filtered
// and sorted as the inbox does, paged by an offset cursor. The real inbox is the task index (contract section 9).
import { mayUseBackend, type Caller } from '../../src/core/action-service';
import { GatewayError } from '../../src/core/errors';
import type { Gateway } from '../../src/core/gateway';
import type { Task } from '../../src/core/task';
import type { InboxPage, InboxQuery, InboxSearch } from '../../src/mcp/inbox';

const DEFAULT_STATUSES = ['open', 'claimed', 'suspended', 'info_requested'];

export class ListingInbox implements InboxQuery {
  /** Every query it was asked, for tests that check what search_tasks passed on. */
  readonly asked: { caller: string; search: InboxSearch }[] = [];

  constructor(private readonly gateway: Gateway) {}

  async query(caller: Caller, search: InboxSearch): Promise<InboxPage> {
    this.asked.push({ caller: caller.name, search });
    const named = search.backend?.split(',') ?? this.gateway.list().map((b) => b.name).filter((name) => mayUseBackend(caller, name));
    for (const name of named) {
      if (!mayUseBackend(caller, name)) throw new GatewayError('FORBIDDEN', `This API key may not use backend '${name}'`, { backend: name });
      this.gateway.backend(name);
    }
    const statuses = search.status?.split(',') ?? DEFAULT_STATUSES;
    const offset = search.cursor === undefined ? 0 : Number(/^o(\d+)$/.exec(search.cursor)?.[1] ?? NaN);
    if (Number.isNaN(offset)) throw new GatewayError('INVALID_REQUEST', 'The cursor is not one this inbox gave out');
    const all: Task[] = [];
    for (const name of named) {
      const page = await this.gateway.listTasks(name, { limit: 100, offset: 0, filters: {} });
      all.push(...page.items.map(({ raw: _raw, ...task }) => task));
    }
    const matching = all
      .filter((t) => statuses.includes(t.status))
      .filter((t) => search.assignee === undefined || t.assignee === search.assignee)
      .filter((t) => search.q === undefined || t.name.toLowerCase().includes(search.q.toLowerCase()))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.backend.localeCompare(b.backend) || a.id.localeCompare(b.id));
    const limit = search.limit ?? 20;
    const items = matching.slice(offset, offset + limit);
    const page: InboxPage = { items, backends: named.map((name) => ({ name, vendor: this.gateway.backend(name).vendor, status: 'ok' as const })) };
    if (offset + limit < matching.length) page.nextCursor = `o${offset + limit}`;
    return page;
  }
}
