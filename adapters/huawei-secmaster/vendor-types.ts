// SecMaster's own wire types, as in shared/vendor-docs/huawei-secmaster-*.txt (TaskInfo, TaskCommentInfo).

export type SecMasterStatus = 'waiting' | 'canceled' | 'finished';

export interface SecMasterComment {
  id: string;
  message: string;
  user_id?: string;
  user_name?: string;
  /** Epoch milliseconds. */
  time?: number;
}

export interface SecMasterTaskInfo {
  id: string;
  aopengine_task_id?: string;
  name: string;
  project_id?: string;
  description?: string;
  create_time?: string;
  creator_id?: string;
  creator_name?: string;
  update_time?: string;
  modifier_id?: string;
  modifier_name?: string;
  approveuser_id?: string;
  approveuser_name?: string;
  approver?: string;
  notes?: string;
  note?: string;
  definition_key?: string;
  due_date?: string;
  action_id?: string;
  action_version_id?: string;
  action_instance_id?: string;
  workspace_id?: string;
  review_comments?: string;
  view_parameters?: string;
  handle_parameters?: string;
  business_type?: string;
  related_object?: string;
  attachment_id_list?: string[];
  comments?: SecMasterComment[];
  status: SecMasterStatus | string;
  due_handle?: string;
}

/** PUT .../soc/tasks/{task_id} body: one action, with the field that action needs. */
export interface SecMasterUpdateBody {
  action: string;
  comment?: string;
  comment_id?: string;
  attachment_id?: string;
}

/** The success envelope of every SecMaster task API. */
export interface SecMasterEnvelope<T> {
  code: string;
  message?: string;
  request_id?: string;
  success?: boolean;
  data?: T;
  total?: number;
  page?: number;
  size?: number;
}

export const SECMASTER_OK = '00000000';
