import type { Calendar, WeeklyRule } from './calendar.ts';
import { DAYS } from './calendar.ts';
import { stampMs } from './fields.ts';
import { DAY_MS, MINUTE_MS, weekdayOf } from './zone.ts';

interface Span {
  id: string;
  reason: string;
  from: number;
  to: number;
}

interface CompiledRule extends Span {
  mask: number;
}

/** A calendar prepared for evaluation in local wall-clock milliseconds (the `wallClockMs` scale). */
export interface CompiledCalendar {
  allow: CompiledRule[];
  deny: CompiledRule[];
  freezes: Span[];
  allowReason: string;
  /** Milliseconds after local midnight where some rule starts or ends, ascending, ending with a whole day. */
  edges: number[];
  /** The last freeze boundary: after it only the weekly pattern matters. */
  lastFreezeEdge: number;
}

/** Local-time verdict: open or not, and which rule decided. */
export interface LocalVerdict {
  open: boolean;
  reason?: string;
  rule?: string;
}

const compiled = new WeakMap<Calendar, CompiledCalendar>();

function compileRule(rule: WeeklyRule): CompiledRule {
  const mask = rule.days.reduce((m, d) => m | (1 << DAYS.indexOf(d)), 0);
  return { id: rule.id, reason: rule.reason, mask, from: rule.from * MINUTE_MS, to: rule.to * MINUTE_MS };
}

/** Prepares a calendar for evaluation; cached per calendar object. */
export function compile(calendar: Calendar): CompiledCalendar {
  let c = compiled.get(calendar);
  if (c) return c;
  const allow = calendar.allow.map(compileRule);
  const deny = calendar.deny.map(compileRule);
  const freezes = calendar.freezes.map((f) => ({
    id: f.id,
    reason: f.reason,
    from: stampMs(f.from),
    to: stampMs(f.to),
  }));
  const edges = [...new Set([...allow, ...deny].flatMap((r) => [r.from, r.to]).concat(DAY_MS))]
    .filter((e) => e > 0)
    .sort((a, b) => a - b);
  c = {
    allow,
    deny,
    freezes,
    allowReason: [...new Set(allow.map((r) => r.reason))].join('; '),
    edges,
    lastFreezeEdge: Math.max(-Infinity, ...freezes.map((f) => f.to)),
  };
  compiled.set(calendar, c);
  return c;
}

function covers(rule: CompiledRule, local: number): boolean {
  const day = weekdayOf(local);
  const ms = local - Math.floor(local / DAY_MS) * DAY_MS;
  const on = (d: number) => (rule.mask & (1 << d)) !== 0;
  if (rule.from < rule.to) return on(day) && ms >= rule.from && ms < rule.to;
  return (on(day) && ms >= rule.from) || (on((day + 6) % 7) && ms < rule.to);
}

/** Whether the calendar is open at a local wall-clock time: freezes, then deny rules, then allow rules. */
export function verdictAt(c: CompiledCalendar, local: number): LocalVerdict {
  const freeze = c.freezes.find((f) => local >= f.from && local < f.to);
  if (freeze) return { open: false, reason: freeze.reason, rule: freeze.id };
  const deny = c.deny.find((r) => covers(r, local));
  if (deny) return { open: false, reason: deny.reason, rule: deny.id };
  if (c.allow.length === 0) return { open: true };
  const allow = c.allow.find((r) => covers(r, local));
  return allow ? { open: true, rule: allow.id } : { open: false, reason: c.allowReason, rule: 'allow' };
}

/** The first local time after `local` where the verdict may change (a rule edge, midnight or a freeze edge). */
export function nextEdge(c: CompiledCalendar, local: number): number {
  const midnight = Math.floor(local / DAY_MS) * DAY_MS;
  let next = midnight + (c.edges.find((e) => midnight + e > local) ?? DAY_MS);
  for (const f of c.freezes) {
    if (f.from > local && f.from < next) next = f.from;
    if (f.to > local && f.to < next) next = f.to;
  }
  return next;
}
