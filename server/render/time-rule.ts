// The standard offset and daylight-saving rule of an IANA time zone, in the shape phone vendors
// ask for (offset, "Nth weekday of month at hh:mm" start and end). Derived from the runtime's own
// zone data (Intl) for fixed reference years, never from today's date: same zone, same bytes.

export interface DstEdge {
  month: number;   // 1–12
  week: number;    // 1–4, or 5 = the last such weekday of the month
  weekday: number; // 0 = Sunday … 6 = Saturday
  weekday1: number; // the same counted 1 = Sunday … 7 = Saturday, as several vendors write it
  hour: number;    // local wall-clock time in force just before the change (the POSIX convention)
  minute: number;
  time: string;    // "02:00"
}

export interface TimeRule {
  zone: string;             // the canonical IANA name the rule was derived for ("UTC" when the name was unknown)
  offset_minutes: number;   // standard offset east of UTC (Berlin 60, New York -300, Kolkata 330)
  offset_hours: string;     // "1", "-5", "5.5"
  offset_hhmm: string;      // "+01:00", "-05:00", "+05:30"
  offset_seconds: number;
  dst: boolean;             // whether the zone observes daylight-saving time
  dst_minutes: number;      // how far clocks move (60 almost everywhere), 0 without DST
  dst_start?: DstEdge;
  dst_end?: DstEdge;
  posix: string;            // POSIX TZ, e.g. "<+01>-1<+02>,M3.5.0,M10.5.0/3"
  posix_offset: string;     // standard offset WEST of UTC as POSIX writes it: "-1", "5", "-5:30"
  posix_dst_offset: string; // the same during daylight-saving time ("-2", "4"); "" without DST
}

// Two years whose calendars differ, so "second Sunday" and "last Sunday" cannot be confused.
const REFERENCE_YEARS = [2026, 2027] as const;
const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const rules = new Map<string, TimeRule>();

function offsetAt(zone: string, ms: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, f);
  }
  const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value || 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

interface Transition { at: number; before: number; after: number }

/** Offset changes in one UTC year, to the minute: day steps, then a binary search inside the day. */
function transitions(zone: string, year: number): Transition[] {
  const out: Transition[] = [];
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  let prev = offsetAt(zone, start);
  for (let t = start + DAY; t <= end; t += DAY) {
    const cur = offsetAt(zone, t);
    if (cur === prev) continue;
    let lo = t - DAY;
    let hi = t;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetAt(zone, mid) === prev) lo = mid; else hi = mid;
    }
    out.push({ at: hi, before: prev, after: cur });
    prev = cur;
  }
  return out;
}

function edgeOf(tr: Transition): DstEdge & { day: number } {
  const local = new Date(tr.at + tr.before * MINUTE);
  const month = local.getUTCMonth() + 1;
  const day = local.getUTCDate();
  const daysInMonth = new Date(Date.UTC(local.getUTCFullYear(), month, 0)).getUTCDate();
  const hour = local.getUTCHours();
  const minute = local.getUTCMinutes();
  return {
    month, day, weekday: local.getUTCDay(), weekday1: local.getUTCDay() + 1, hour, minute,
    week: day + 7 > daysInMonth ? 5 : Math.ceil(day / 7),
    time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
  };
}

/** The same edge in both reference years: a "last" weekday stays last, a numbered one keeps its number. */
function agreedEdge(a: DstEdge & { day: number }, b: DstEdge & { day: number }): DstEdge | null {
  if (a.month !== b.month || a.weekday !== b.weekday || a.time !== b.time) return null;
  const week = a.week === b.week ? a.week : Math.ceil(a.day / 7) === Math.ceil(b.day / 7) ? Math.ceil(a.day / 7) : 0;
  if (!week) return null;
  return { month: a.month, week, weekday: a.weekday, weekday1: a.weekday1, hour: a.hour, minute: a.minute, time: a.time };
}

function hhmm(minutes: number, sign = true): string {
  const abs = Math.abs(minutes);
  const s = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return sign ? `${minutes < 0 ? '-' : '+'}${s}` : s;
}

function posixOffset(minutesEast: number): string {
  const west = -minutesEast;
  const abs = Math.abs(west);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `${west < 0 ? '-' : ''}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

function posixEdge(e: DstEdge): string {
  const time = e.hour === 2 && e.minute === 0 ? '' : `/${e.hour}${e.minute ? `:${String(e.minute).padStart(2, '0')}` : ''}`;
  return `M${e.month}.${e.week}.${e.weekday}${time}`;
}

// POSIX wants alphabetic names of 3+ letters or <+0530>; the numeric form is always valid.
function posixName(minutesEast: number): string {
  const h = hhmm(minutesEast).replace(':', '').replace(/00$/, '');
  return `<${h}>`;
}

function derive(zone: string): TimeRule {
  const per = REFERENCE_YEARS.map((y) => transitions(zone, y));
  const standard = Math.min(...REFERENCE_YEARS.map((y) => offsetAt(zone, Date.UTC(y, 0, 15))),
    ...REFERENCE_YEARS.map((y) => offsetAt(zone, Date.UTC(y, 6, 15))));
  const base: TimeRule = {
    zone, offset_minutes: standard, offset_hours: String(standard / 60), offset_hhmm: hhmm(standard),
    offset_seconds: standard * 60, dst: false, dst_minutes: 0, posix: `${posixName(standard)}${posixOffset(standard)}`,
    posix_offset: posixOffset(standard), posix_dst_offset: '',
  };
  const pairs = per.map((trs) => ({ on: trs.find((t) => t.after > t.before), off: trs.find((t) => t.after < t.before) }));
  if (per.some((trs) => trs.length !== 2) || pairs.some((p) => !p.on || !p.off)) return base;
  const start = agreedEdge(edgeOf(pairs[0].on!), edgeOf(pairs[1].on!));
  const end = agreedEdge(edgeOf(pairs[0].off!), edgeOf(pairs[1].off!));
  const shift = pairs[0].on!.after - pairs[0].on!.before;
  // A zone whose changes follow no weekday rule (or moved its standard offset) keeps the standard offset.
  if (!start || !end || shift <= 0) return base;
  const summer = standard + shift;
  return {
    ...base, dst: true, dst_minutes: shift, dst_start: start, dst_end: end, posix_dst_offset: posixOffset(summer),
    posix: `${posixName(standard)}${posixOffset(standard)}${posixName(summer)}${shift === 60 ? '' : posixOffset(summer)},${posixEdge(start)},${posixEdge(end)}`,
  };
}

/**
 * The rule of an IANA zone; an unknown name gets UTC's (the caller reports it). Rules are cached
 * under the runtime's canonical zone name, so the cache is bounded by its zone list (a few hundred)
 * however the name was spelled.
 */
export function timeRule(zone: string): TimeRule {
  const name = canonicalZone(zone) || 'UTC';
  let rule = rules.get(name);
  if (!rule) {
    rule = derive(name);
    rules.set(name, rule);
  }
  return rule;
}

// Names as written in Kazoo's documents → canonical name; bounded, since the names are data.
const canonical = new Map<string, string | null>();

/** The runtime's canonical name of a zone (Asia/Kolkata → Asia/Calcutta in ICU), or null if unknown. */
export function canonicalZone(zone: string): string | null {
  if (typeof zone !== 'string' || zone.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return null;
  const known = canonical.get(zone);
  if (known !== undefined) return known;
  let name: string | null;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    name = null;
  }
  if (canonical.size >= 2000) canonical.clear();
  canonical.set(zone, name);
  return name;
}
