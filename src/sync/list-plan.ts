// How a sync cycle reads each vendor's task list: which list queries, and whether they come newest-update first.

export interface ListPlan {
  /** The list queries a cycle pages through, in order (vendor filters as the adapter declares them). */
  queries: { filters: Record<string, string> }[];
  /**
   * True when every query lists by update time, newest first: a cycle that is not a full pass may stop at
   * the first page reaching below the newest update time the last good cycle saw.
   */
  newestUpdateFirst: boolean;
  /**
   * False where the vendor cannot read a task that is not on the list (K2 reads one task out of the worklist
   * itself): a task that left the list is then removed without a re-read, which could only say "not found".
   */
  readsOneTask: boolean;
}

/** Tasks per list call: the largest page every vendor takes (SecMaster allows at most 100). */
export const PAGE_SIZE = 100;

const PLANS: Record<string, ListPlan> = {
  // The to-do list, newest update first (sort_key=update_time, sort_dir=DESC). A handled task leaves it and is
  // re-read at the next full pass. SecMaster pages up to offset 9,999: at most 10,000 to-dos are indexed.
  'huawei-secmaster': { queries: [{ filters: { queryType: 'my_todo', sort: '-updatedAt' } }], newestUpdateFirst: true, readsOneTask: true },
  // /tasks/filter without a whereClause: every task the user may see, in the server's order.
  'ibm-bpm': { queries: [{ filters: {} }], newestUpdateFirst: false, readsOneTask: true },
  // The 4.0 task list, ordered by number, no state filter.
  'oracle-bpm': { queries: [{ filters: {} }], newestUpdateFirst: false, readsOneTask: true },
  // The worklist ($skip/$top). A task that left it is gone from K2's view (its get-one call reads the worklist).
  k2: { queries: [{ filters: {} }], newestUpdateFirst: false, readsOneTask: false },
};

export function listPlan(vendor: string): ListPlan {
  return PLANS[vendor] ?? { queries: [{ filters: {} }], newestUpdateFirst: false, readsOneTask: true };
}
