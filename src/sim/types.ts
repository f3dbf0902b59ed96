/** Shapes of the simulator's state, named and spelled as Nomad's structs serialise them. */

/** A JSON object whose fields the simulator does not model individually. */
export type JsonObject = { [key: string]: unknown };

export interface Constraint {
  LTarget: string;
  RTarget: string;
  Operand: string;
}

export interface Resources extends JsonObject {
  CPU: number;
  Cores: number;
  MemoryMB: number;
  MemoryMaxMB: number;
  DiskMB: number;
  Networks: unknown[] | null;
  Devices: unknown[] | null;
}

export interface Task extends JsonObject {
  Name: string;
  Driver: string;
  Config: JsonObject | null;
  Env: Record<string, string> | null;
  Constraints: Constraint[] | null;
  Resources: Resources;
  Meta: Record<string, string> | null;
}

export interface UpdateStrategy extends JsonObject {
  MaxParallel: number;
  Canary: number;
  AutoPromote: boolean;
  AutoRevert: boolean;
  ProgressDeadline: number;
}

export interface TaskGroup extends JsonObject {
  Name: string;
  Count: number;
  Constraints: Constraint[] | null;
  Tasks: Task[];
  Update: UpdateStrategy | null;
  Meta: Record<string, string> | null;
}

export interface PeriodicConfig extends JsonObject {
  Enabled: boolean;
  Spec: string;
  SpecType: string;
  ProhibitOverlap: boolean;
  TimeZone: string;
}

export interface ParameterizedJobConfig extends JsonObject {
  Payload: string;
  MetaRequired: string[] | null;
  MetaOptional: string[] | null;
}

export interface Job extends JsonObject {
  Stop: boolean;
  Region: string;
  Namespace: string;
  ID: string;
  ParentID: string;
  Name: string;
  Type: string;
  Priority: number;
  AllAtOnce: boolean;
  Datacenters: string[];
  NodePool: string;
  Constraints: Constraint[] | null;
  TaskGroups: TaskGroup[];
  Update: JsonObject;
  Periodic: PeriodicConfig | null;
  ParameterizedJob: ParameterizedJobConfig | null;
  Dispatched: boolean;
  Payload: string | null;
  Meta: Record<string, string> | null;
  Status: string;
  StatusDescription: string;
  Stable: boolean;
  Version: number;
  SubmitTime: number;
  CreateIndex: number;
  ModifyIndex: number;
  JobModifyIndex: number;
}

/** structs.JobSubmission: the source a job version was submitted with (Nomad 1.6+). */
export interface JobSubmission {
  Source: string;
  Format: string;
  VariableFlags: Record<string, string> | null;
  Variables: string;
  Namespace: string;
  JobID: string;
  Version: number;
  JobModifyIndex: number;
}

export interface TaskEvent {
  Type: string;
  Time: number;
  DisplayMessage: string;
  Message: string;
  Details: Record<string, string>;
  [key: string]: unknown;
}

export interface TaskState {
  State: string;
  Failed: boolean;
  Restarts: number;
  LastRestart: string;
  StartedAt: string;
  FinishedAt: string;
  Events: TaskEvent[];
  TaskHandle: null;
}

export interface AllocDeploymentStatus {
  Healthy: boolean | null;
  Timestamp: string;
  Canary: boolean;
  ModifyIndex: number;
}

export interface Allocation {
  ID: string;
  Namespace: string;
  EvalID: string;
  Name: string;
  NodeID: string;
  NodeName: string;
  JobID: string;
  Job: Job;
  TaskGroup: string;
  Resources: JsonObject;
  AllocatedResources: JsonObject;
  Metrics: JsonObject;
  DesiredStatus: string;
  DesiredDescription: string;
  DesiredTransition: JsonObject;
  ClientStatus: string;
  ClientDescription: string;
  TaskStates: Record<string, TaskState>;
  DeploymentID: string;
  DeploymentStatus: AllocDeploymentStatus | null;
  FollowupEvalID: string;
  PreviousAllocation: string;
  NextAllocation: string;
  RescheduleTracker: null;
  CreateIndex: number;
  ModifyIndex: number;
  AllocModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

export interface AllocationMetric {
  NodesEvaluated: number;
  NodesFiltered: number;
  NodesInPool: number;
  NodesAvailable: Record<string, number>;
  ClassFiltered: Record<string, number> | null;
  ConstraintFiltered: Record<string, number> | null;
  NodesExhausted: number;
  ClassExhausted: Record<string, number> | null;
  DimensionExhausted: Record<string, number> | null;
  QuotaExhausted: string[] | null;
  ResourcesExhausted: Record<string, unknown> | null;
  ScoreMetaData: unknown[] | null;
  AllocationTime: number;
  CoalescedFailures: number;
}

export interface Evaluation {
  ID: string;
  Namespace: string;
  Priority: number;
  Type: string;
  TriggeredBy: string;
  JobID: string;
  JobModifyIndex: number;
  NodeID: string;
  NodeModifyIndex: number;
  DeploymentID: string;
  Status: string;
  StatusDescription: string;
  Wait: number;
  WaitUntil: string;
  NextEval: string;
  PreviousEval: string;
  BlockedEval: string;
  RelatedEvals: unknown[] | null;
  FailedTGAllocs: Record<string, AllocationMetric> | null;
  ClassEligibility: Record<string, boolean> | null;
  QuotaLimitReached: string;
  EscapedComputedClass: boolean;
  AnnotatePlan: boolean;
  QueuedAllocations: Record<string, number> | null;
  LeaderACL: string;
  SnapshotIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

export interface DeploymentState {
  AutoRevert: boolean;
  AutoPromote: boolean;
  ProgressDeadline: number;
  RequireProgressBy: string;
  Promoted: boolean;
  PlacedCanaries: string[] | null;
  DesiredCanaries: number;
  DesiredTotal: number;
  PlacedAllocs: number;
  HealthyAllocs: number;
  UnhealthyAllocs: number;
}

export interface Deployment {
  ID: string;
  Namespace: string;
  JobID: string;
  JobVersion: number;
  JobModifyIndex: number;
  JobSpecModifyIndex: number;
  JobCreateIndex: number;
  IsMultiregion: boolean;
  TaskGroups: Record<string, DeploymentState>;
  Status: string;
  StatusDescription: string;
  EvalPriority: number;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

export interface Node {
  ID: string;
  SecretID: string;
  Datacenter: string;
  Name: string;
  HTTPAddr: string;
  TLSEnabled: boolean;
  Attributes: Record<string, string>;
  NodeResources: JsonObject;
  ReservedResources: JsonObject;
  Links: Record<string, string>;
  Meta: Record<string, string>;
  NodeClass: string;
  NodePool: string;
  ComputedClass: string;
  DrainStrategy: JsonObject | null;
  SchedulingEligibility: string;
  Status: string;
  StatusDescription: string;
  StatusUpdatedAt: number;
  Events: JsonObject[];
  Drivers: Record<string, JsonObject>;
  HostVolumes: JsonObject | null;
  HostNetworks: JsonObject | null;
  LastDrain: JsonObject | null;
  CreateIndex: number;
  ModifyIndex: number;
  /** Simulator-only capacity used for placement. */
  cpuMHz: number;
  memoryMB: number;
}

export interface Namespace {
  Name: string;
  Description: string;
  Quota: string;
  Capabilities: JsonObject | null;
  NodePoolConfiguration: JsonObject | null;
  Meta: Record<string, string> | null;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface Variable {
  Namespace: string;
  Path: string;
  CreateIndex: number;
  CreateTime: number;
  ModifyIndex: number;
  ModifyTime: number;
  Items: Record<string, string>;
}

export interface ScalingEvent {
  Time: number;
  Count: number | null;
  PreviousCount: number;
  Message: string;
  Error: boolean;
  Meta: JsonObject | null;
  EvalID: string | null;
  CreateIndex: number;
}

/** One entry of the event stream. */
export interface StreamEvent {
  Topic: string;
  Type: string;
  Key: string;
  Namespace: string;
  FilterKeys: string[] | null;
  Index: number;
  Payload: JsonObject;
}

export interface GiteaRepo {
  id: number;
  name: string;
  full_name: string;
  owner: { id: number; login: string; full_name: string; avatar_url: string };
  description: string;
  html_url: string;
  clone_url: string;
  ssh_url: string;
  default_branch: string;
  private: boolean;
  fork: boolean;
  archived: boolean;
  empty: boolean;
  updated_at: string;
  created_at: string;
  stars_count: number;
  forks_count: number;
  size: number;
}
