/** Days of the week in calendar order; rules and their bitmasks use this order. */
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A day of the week. */
export type Day = (typeof DAYS)[number];

/**
 * A weekly rule in local wall-clock time: on `days`, from minute `from` (inclusive) to minute `to`
 * (exclusive) after local midnight. `from > to` spans midnight and ends on the next day.
 */
export interface WeeklyRule {
  /** Where the rule sits in the calendar, e.g. `deny[1]`. */
  readonly id: string;
  readonly days: readonly Day[];
  readonly from: number;
  readonly to: number;
  /** Why the window is closed: inside a deny rule, or outside every allow rule. */
  readonly reason: string;
}

/** A one-off closed period in local wall-clock time, `YYYY-MM-DDTHH:MM`, `to` exclusive. */
export interface Freeze {
  /** Where the freeze sits in the calendar, e.g. `freezes[0]`. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/**
 * A named deployment calendar in one IANA time zone. Open at an instant iff some allow rule covers
 * its local time (or there are no allow rules) and no deny rule or freeze does: deny beats allow.
 */
export interface Calendar {
  readonly name: string;
  readonly timezone: string;
  readonly allow: readonly WeeklyRule[];
  readonly deny: readonly WeeklyRule[];
  readonly freezes: readonly Freeze[];
}

/** Whether a calendar is open at an instant, why not, and when that changes. */
export interface WindowCheck {
  open: boolean;
  /** Why it is closed; absent when open. */
  reason?: string;
  /** The rule that decided: `freezes[i]`, `deny[i]`, `allow` (outside every allow rule) or the covering `allow[i]`. */
  rule?: string;
  /** When the open/closed state next flips; absent if not within the horizon. */
  until?: Date;
}

/** When a calendar next opens (the instant itself if open) and then closes again. */
export interface WindowTimes {
  opensAt?: Date;
  closesAt?: Date;
}

/** Whether a rollout of a planned duration fits in the window, or when one that fits starts. */
export interface WindowFit {
  ok: boolean;
  reason?: string;
  startAt?: Date;
}

/** One problem in a window configuration, at a dotted field path such as `windows.prod.allow[0].hours`. */
export interface CalendarIssue {
  path: string;
  message: string;
}

/** A window configuration that cannot be used; lists every problem with its field path. */
export class CalendarError extends Error {
  readonly issues: readonly CalendarIssue[];

  constructor(issues: CalendarIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'CalendarError';
    this.issues = issues;
  }
}
