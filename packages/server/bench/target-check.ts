/** One target of an issue, as a report states it: what was measured, and whether it was met. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** `undefined`: not measured in this run. */
  readonly met: boolean | undefined;
}
