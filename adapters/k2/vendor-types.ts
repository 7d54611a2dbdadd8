// K2 SyncREST Task service vocabulary: namespaces, worklist statuses and the parsed shape of a <Task>.
// Vendor doc: shared/vendor-docs/k2-update-task.txt; TaskCollection: vendor-notes.md section 4 (K3).

export const K2_NS = {
  task: 'http://schemas.k2.com/task/d1',
  process: 'http://schemas.k2.com/process/d1',
  worklist: 'http://schemas.k2.com/worklist/d1',
} as const;

/** Worklist item statuses (vendor-notes 4c: Available, Open, Allocated, Sleep, Completed). */
export type K2Status = 'Available' | 'Open' | 'Allocated' | 'Sleep' | 'Completed';

/** `<Action Name="Approve" Batchable="true"/>` after parsing (attributes under '@'). */
export interface K2ActionElement {
  '@Name'?: string;
  '@Batchable'?: string;
}

/** `<p:ProcessDataField Name="...">value</p:ProcessDataField>` after parsing. */
export interface K2DataFieldElement {
  '@Name'?: string;
  '#text'?: string;
}

/**
 * One `<Task SerialNumber="12_8">` of a TaskCollection after parsing with namespace prefixes removed.
 * Child elements are text (`<ProcessFolio/>` is '').
 */
export interface K2TaskElement {
  /** SerialNumber, Status and Priority are read as an attribute or as a child element, whichever is there. */
  '@SerialNumber'?: string;
  '@Status'?: string;
  '@Priority'?: string;
  '@AllocatedUser'?: string;
  SerialNumber?: unknown;
  ProcessName?: unknown;
  StartDate?: unknown;
  ProcessFullName?: unknown;
  ProcessFolio?: unknown;
  ActivityName?: unknown;
  Priority?: unknown;
  Status?: unknown;
  Originator?: unknown;
  AllocatedUser?: unknown;
  Data?: unknown;
  Action?: K2ActionElement[];
  ProcessDataField?: K2DataFieldElement[];
}
