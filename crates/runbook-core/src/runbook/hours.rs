//! Reading a runbook contact's free-text `hours` as a weekly schedule, and
//! answering "can I reach them now, and if not, when?" from it.
//!
//! This module owns the accepted grammar of `hours` (and the wording of the
//! reasons a text is rejected), the daylight-saving rules used to turn local
//! wall-clock spans into real instants, and the short human form of those
//! instants shown in views. Hours are kept as free text in the runbook files,
//! so anything that does not parse is simply "not a schedule": callers get
//! `None` for reachability rather than a guess.
//!
//! Accepted forms (case-insensitive, surrounding whitespace ignored):
//! `24x7` / `24/7`, or one or more spans joined by `;` or `,`, each
//! `DAYS HH:MM-HH:MM [ZONE]`, where a span without a zone takes the zone of the
//! next span after it that has one.

use std::str::FromStr;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::{GapInfo, Tz};

/// Minutes in a day; `24:00` is stored as this so that a span can end at midnight.
const DAY_MINUTES: u16 = 24 * 60;

/// Every day of the week as a day set (bit 0 = Monday).
const ALL_DAYS: u8 = 0b111_1111;

/// How many local days before the day of `at` openings are computed: one is
/// enough because a single span never lasts longer than a day (plus a DST hour).
const DAYS_BEFORE: i64 = 1;

/// How many local days after the day of `at` openings are computed: more than a
/// week, so that every weekday occurs at least once strictly after `at` even when
/// one occurrence is swallowed by a daylight-saving gap.
const DAYS_AFTER: i64 = 8;

/// An opening that lasts this long is treated as never ending: only a schedule
/// that is open around the clock can be continuously open for a whole week, and
/// reporting the edge of the computed window as its "end" would be a lie.
const ENDLESS: TimeDelta = TimeDelta::days(7);

/// A contact's hours read as a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `24x7`: reachable at any moment, so there is never an end or a next opening.
    Always,
    /// Weekly spans, each in its own zone, because on-call rotas often mix
    /// teams (and therefore zones) in one contact.
    Weekly(Vec<Span>),
}

/// One recurring opening: on each of `days`, from `start` to `end` local time in `tz`.
///
/// Times are kept as local wall-clock minutes, not offsets, so that the same
/// span opens at 09:00 local on both sides of a daylight-saving change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Days the span opens on; bit 0 = Monday ... bit 6 = Sunday.
    days: u8,
    /// Opening time, minutes after local midnight (0..1440).
    start: u16,
    /// Closing time, minutes after local midnight (1..=1440); when not after
    /// `start` the span closes on the following day.
    end: u16,
    /// The zone the wall-clock times are read in.
    tz: Tz,
}

/// Why a contact's hours text is not a schedule. The Display text is meant to
/// be shown to whoever edits the runbook, so it names the offending part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    /// Blank text is reported on its own so views can tell "no hours" from "bad hours".
    #[error("no hours given")]
    Empty,
    /// A word where a day or day range was expected.
    #[error("`{0}` is not a day")]
    NotADay(String),
    /// Text such as `9-5` that starts with a time: the days were left out.
    #[error("`{0}` is not a day or day range such as Mon-Fri")]
    MissingDays(String),
    /// Days with nothing after them.
    #[error("`{0}` has no times: add a range such as 09:00-17:30")]
    MissingTimes(String),
    /// Something where a 24-hour `HH:MM-HH:MM` range was expected.
    #[error("`{0}` is not a time range such as 09:00-17:30")]
    BadTimes(String),
    /// A range that opens and closes at the same moment means neither "never" nor
    /// "all day" unambiguously, so it is refused rather than guessed.
    #[error("`{0}` starts and ends at the same time")]
    EmptyRange(String),
    /// A zone name that the time zone database does not know.
    #[error("unknown time zone `{0}`")]
    UnknownZone(String),
    /// Local times without any zone cannot be placed in time.
    #[error("no time zone: add an IANA zone such as Europe/London")]
    NoZone,
    /// Extra words after the zone, which would otherwise be silently ignored.
    #[error("unexpected `{0}` after the time zone")]
    Trailing(String),
}

/// Which end of an opening a local time is, because daylight-saving
/// ambiguities are resolved towards the widest opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    Start,
    End,
}

/// One concrete opening as real instants, `[start, end)`, with the zones
/// whose spans start and end it (so answers can be given in the zone the
/// runbook used).
#[derive(Debug, Clone, Copy)]
struct Opening {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    start_tz: Tz,
    end_tz: Tz,
}

impl Opening {
    fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

impl Schedule {
    /// The schedule in a compact form for a script that decides in the reader's browser who
    /// is open (the static book is read long after it was built): `always`, or spans joined
    /// by `;`, each `DAYS,START,END,ZONE` with DAYS a bit set (bit 0 = Monday) and START/END
    /// minutes after local midnight, END not after START meaning the next day.
    pub fn compact(&self) -> String {
        match self {
            Schedule::Always => "always".to_string(),
            Schedule::Weekly(spans) => spans
                .iter()
                .map(|s| format!("{},{},{},{}", s.days, s.start, s.end, s.tz.name()))
                .collect::<Vec<_>>()
                .join(";"),
        }
    }

    /// Reads an hours text; an error means the text is not a schedule (and
    /// says why), not that the contact is unreachable.
    pub fn parse(text: &str) -> Result<Schedule, HoursError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("24x7") || text == "24/7" {
            return Ok(Schedule::Always);
        }
        let mut pending = Vec::new();
        // Empty pieces (e.g. a trailing `;`) are skipped: they carry no meaning
        // and rejecting the whole text for them would be needlessly strict.
        for piece in text.split([';', ',']).filter(|p| !p.trim().is_empty()) {
            pending.push(parse_span(piece)?);
        }
        if pending.is_empty() {
            return Err(HoursError::Empty);
        }
        // A span without a zone borrows the zone of the next span that has
        // one, as in `Mon-Fri 09:00-17:30, Sat 10:00-12:00 Europe/London`.
        let mut next_zone = None;
        let mut spans = Vec::with_capacity(pending.len());
        for (days, start, end, zone) in pending.into_iter().rev() {
            if zone.is_some() {
                next_zone = zone;
            }
            let tz = next_zone.ok_or(HoursError::NoZone)?;
            spans.push(Span {
                days,
                start,
                end,
                tz,
            });
        }
        spans.reverse();
        Ok(Schedule::Weekly(spans))
    }

    /// Whether reachable at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        match self {
            Schedule::Always => true,
            Schedule::Weekly(spans) => merged_openings(spans, at).iter().any(|o| o.contains(at)),
        }
    }

    /// When open at `at`: the moment the current opening ends (spans that
    /// touch or overlap, e.g. Mon 22:00-24:00 and Tue 00:00-06:00, count as one
    /// opening), `None` for `Always`.
    ///
    /// Also `None` when closed, and when the opening runs for a week or more
    /// (a schedule covering every hour), since it then has no end worth naming.
    /// The answer is in the zone of the span that closes the opening.
    pub fn open_until(&self, at: DateTime<Utc>) -> Option<DateTime<Tz>> {
        let Schedule::Weekly(spans) = self else {
            return None;
        };
        let current = merged_openings(spans, at)
            .into_iter()
            .find(|o| o.contains(at))?;
        if current.end.signed_duration_since(at) >= ENDLESS {
            return None;
        }
        Some(current.end.with_timezone(&current.end_tz))
    }

    /// When closed at `at`: the next moment it opens, in the zone of the span
    /// that opens; `None` when open now or (for an empty schedule) never.
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Tz>> {
        let Schedule::Weekly(spans) = self else {
            return None;
        };
        let openings = merged_openings(spans, at);
        if openings.iter().any(|o| o.contains(at)) {
            return None;
        }
        // Openings are sorted by start, so the first one after `at` is the next.
        openings
            .into_iter()
            .find(|o| o.start > at)
            .map(|o| o.start.with_timezone(&o.start_tz))
    }
}

impl FromStr for Schedule {
    type Err = HoursError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Schedule::parse(text)
    }
}

/// What a contact's hours say about one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Availability {
    /// None when the hours are missing or not a readable schedule.
    pub reachable_now: Option<bool>,
    /// When closed: when it opens next (UTC).
    pub next_reachable: Option<DateTime<Utc>>,
    /// When open: when this opening ends (UTC); None for 24x7.
    pub reachable_until: Option<DateTime<Utc>>,
}

/// Availability for an optional hours text at a moment.
///
/// Unreadable hours give the same answer as missing ones: free text such as
/// "office hours" is for people to read, and guessing from it would make a
/// view claim more than the runbook says.
pub fn availability(hours: Option<&str>, at: DateTime<Utc>) -> Availability {
    let Some(schedule) = hours.and_then(|h| Schedule::parse(h).ok()) else {
        return Availability::default();
    };
    let open = schedule.is_open(at);
    Availability {
        reachable_now: Some(open),
        next_reachable: if open {
            None
        } else {
            schedule.next_open(at).map(|t| t.with_timezone(&Utc))
        },
        reachable_until: if open {
            schedule.open_until(at).map(|t| t.with_timezone(&Utc))
        } else {
            None
        },
    }
}

/// A short human form of `t` in its own zone, as close to "how a person would
/// say it" as stays unambiguous: just the time on the same local day as `at`,
/// the weekday within the next six days, the full date otherwise.
pub fn describe(moment: DateTime<Tz>, at: DateTime<Utc>) -> String {
    let tz = moment.timezone();
    let (Some(local), Some(now)) = (
        local_time(tz, moment.with_timezone(&Utc)),
        local_time(tz, at),
    ) else {
        // Only reachable at the very edges of the representable range, where
        // the local time cannot be formed; UTC is still truthful there.
        return format!("{} UTC", moment.naive_utc().format("%Y-%m-%d %H:%M"));
    };
    let days_ahead = local.date().signed_duration_since(now.date()).num_days();
    let pattern = match days_ahead {
        0 => "%H:%M",
        1..=6 => "%a %H:%M",
        _ => "%Y-%m-%d %H:%M",
    };
    format!("{} {}", local.format(pattern), tz.name())
}

/// A span before its zone is known: days, start, end, zone if written.
type PendingSpan = (u8, u16, u16, Option<Tz>);

/// Reads one `DAYS HH:MM-HH:MM [ZONE]` piece.
fn parse_span(piece: &str) -> Result<PendingSpan, HoursError> {
    let normalised = tighten_hyphens(piece);
    let words: Vec<&str> = normalised.split_whitespace().collect();
    // `Every day` is the only two-word day set.
    let (days, days_text, rest) = match words.as_slice() {
        [] => return Err(HoursError::Empty),
        [every, day, rest @ ..]
            if every.eq_ignore_ascii_case("every") && day.eq_ignore_ascii_case("day") =>
        {
            (ALL_DAYS, format!("{every} {day}"), rest)
        }
        [word, rest @ ..] => (parse_days(word)?, (*word).to_string(), rest),
    };
    let Some((&times_word, rest)) = rest.split_first() else {
        return Err(HoursError::MissingTimes(days_text));
    };
    let (start, end) = parse_times(times_word)?;
    let zone = match rest {
        [] => None,
        [zone] => Some(parse_zone(zone)?),
        [_, extra, ..] => return Err(HoursError::Trailing((*extra).to_string())),
    };
    Ok((days, start, end, zone))
}

/// Joins `Mon - Fri` and `09:00 – 17:30` into single words, since people type
/// ranges with spaces and typographic dashes as often as without.
fn tighten_hyphens(piece: &str) -> String {
    let mut out = String::with_capacity(piece.len());
    let mut after_hyphen = false;
    for ch in piece.chars() {
        let ch = if matches!(ch, '\u{2013}' | '\u{2014}') {
            '-'
        } else {
            ch
        };
        if ch == '-' {
            out.truncate(out.trim_end().len());
            out.push('-');
            after_hyphen = true;
        } else if !(after_hyphen && ch.is_whitespace()) {
            out.push(ch);
            after_hyphen = false;
        }
    }
    out
}

/// Reads a day, a (possibly wrapping) day range, or `Daily`/`Every day` as a day set.
fn parse_days(word: &str) -> Result<u8, HoursError> {
    let lower = word.to_ascii_lowercase();
    if lower == "daily" || lower == "everyday" {
        return Ok(ALL_DAYS);
    }
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(HoursError::MissingDays(word.to_string()));
    }
    let Some((first, last)) = word.split_once('-') else {
        return day_index(word)
            .map(|d| 1 << d)
            .ok_or_else(|| HoursError::NotADay(word.to_string()));
    };
    let not_a_day =
        |part: &str| HoursError::NotADay(if part.is_empty() { word } else { part }.to_string());
    let first_day = day_index(first).ok_or_else(|| not_a_day(first))?;
    let last_day = day_index(last).ok_or_else(|| not_a_day(last))?;
    // Walk forward from the first day so that `Fri-Mon` wraps over the weekend.
    let mut days = 0u8;
    let mut day = first_day;
    loop {
        days |= 1 << day;
        if day == last_day {
            return Ok(days);
        }
        day = (day + 1) % 7;
    }
}

/// Monday = 0 ... Sunday = 6, for the English names and abbreviations people write.
fn day_index(word: &str) -> Option<u8> {
    let index = match word.to_ascii_lowercase().as_str() {
        "mon" | "monday" => 0,
        "tue" | "tues" | "tuesday" => 1,
        "wed" | "weds" | "wednesday" => 2,
        "thu" | "thur" | "thurs" | "thursday" => 3,
        "fri" | "friday" => 4,
        "sat" | "saturday" => 5,
        "sun" | "sunday" => 6,
        _ => return None,
    };
    Some(index)
}

/// Reads `HH:MM-HH:MM` as start and end minutes.
fn parse_times(word: &str) -> Result<(u16, u16), HoursError> {
    let bad = || HoursError::BadTimes(word.to_string());
    let (start, end) = word.split_once('-').ok_or_else(bad)?;
    let start = parse_clock(start)
        .filter(|&m| m < DAY_MINUTES)
        .ok_or_else(bad)?;
    let end = parse_clock(end).ok_or_else(bad)?;
    if start == end {
        return Err(HoursError::EmptyRange(word.to_string()));
    }
    Ok((start, end))
}

/// Reads `H:MM` or `HH:MM` (24-hour, `24:00` allowed) as minutes after midnight.
fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(1..=2).contains(&hours.len())
        || minutes.len() != 2
        || !all_digits(hours)
        || !all_digits(minutes)
    {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= DAY_MINUTES).then_some(total)
}

/// Looks a zone up by its IANA name, ignoring case like the rest of the text.
fn parse_zone(word: &str) -> Result<Tz, HoursError> {
    word.parse::<Tz>()
        .ok()
        .or_else(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .copied()
                .find(|tz| tz.name().eq_ignore_ascii_case(word))
        })
        .ok_or_else(|| HoursError::UnknownZone(word.to_string()))
}

/// All openings of `spans` whose local day is near `at`, as real instants,
/// sorted by start with touching or overlapping ones merged.
fn merged_openings(spans: &[Span], at: DateTime<Utc>) -> Vec<Opening> {
    let mut openings: Vec<Opening> = spans.iter().flat_map(|span| span.openings(at)).collect();
    openings.sort_by_key(|o| (o.start, o.end));
    let mut merged: Vec<Opening> = Vec::with_capacity(openings.len());
    for opening in openings {
        match merged.last_mut() {
            Some(last) if opening.start <= last.end => {
                if opening.end > last.end {
                    last.end = opening.end;
                    last.end_tz = opening.end_tz;
                }
            }
            _ => merged.push(opening),
        }
    }
    merged
}

impl Span {
    /// The span's openings for the local days around `at` (in the span's own
    /// zone). Days whose opening cannot be placed in time (outside the range
    /// chrono can represent) or that a daylight-saving gap reduces to nothing
    /// are left out rather than failing.
    fn openings(&self, at: DateTime<Utc>) -> Vec<Opening> {
        let Some(today) = local_time(self.tz, at).map(|t| t.date()) else {
            return Vec::new();
        };
        (-DAYS_BEFORE..=DAYS_AFTER)
            .filter_map(|shift| today.checked_add_signed(TimeDelta::days(shift)))
            .filter(|day| self.days & (1 << day.weekday().num_days_from_monday()) != 0)
            .filter_map(|day| self.opening_on(day))
            .collect()
    }

    /// The opening that starts on local `day`, if it has any length.
    fn opening_on(&self, day: NaiveDate) -> Option<Opening> {
        let start = wall_clock(day, self.start)?;
        let end_day = if self.end > self.start {
            day
        } else {
            day.succ_opt()?
        };
        let end = wall_clock(end_day, self.end)?;
        let start = to_instant(self.tz, start, Edge::Start)?;
        let end = to_instant(self.tz, end, Edge::End)?;
        (start < end).then_some(Opening {
            start,
            end,
            start_tz: self.tz,
            end_tz: self.tz,
        })
    }
}

/// Local wall-clock time `minutes` after midnight of `day`; 24:00 is the next midnight.
fn wall_clock(day: NaiveDate, minutes: u16) -> Option<NaiveDateTime> {
    if minutes >= DAY_MINUTES {
        return day.succ_opt()?.and_hms_opt(0, 0, 0);
    }
    day.and_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)
}

/// The instant a local time in `tz` denotes. A time skipped by a
/// daylight-saving gap means the first instant after the gap (the clock jumps
/// to it); a repeated time means the earlier instant for a start and the later
/// one for an end, so openings are never shortened by the ambiguity.
fn to_instant(tz: Tz, local: NaiveDateTime, edge: Edge) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => {
            let (first, second) = (first.with_timezone(&Utc), second.with_timezone(&Utc));
            Some(match edge {
                Edge::Start => first.min(second),
                Edge::End => first.max(second),
            })
        }
        LocalResult::None => GapInfo::new(&local, &tz)?
            .end
            .map(|t| t.with_timezone(&Utc)),
    }
}

/// The local time of `at` in `tz`, or `None` at the edges of the
/// representable range (where chrono's own conversion would panic).
fn local_time(tz: Tz, at: DateTime<Utc>) -> Option<NaiveDateTime> {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
    at.naive_utc().checked_add_offset(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("test instant")
    }

    fn sched(text: &str) -> Schedule {
        Schedule::parse(text).expect("test schedule")
    }

    fn spans(text: &str) -> Vec<Span> {
        match sched(text) {
            Schedule::Weekly(spans) => spans,
            Schedule::Always => panic!("expected weekly spans for {text}"),
        }
    }

    fn err(text: &str) -> String {
        Schedule::parse(text)
            .expect_err("should be rejected")
            .to_string()
    }

    fn span(days: u8, start: u16, end: u16, tz: Tz) -> Span {
        Span {
            days,
            start,
            end,
            tz,
        }
    }

    fn next_utc(s: &Schedule, at: &str) -> Option<DateTime<Utc>> {
        s.next_open(utc(at)).map(|t| t.with_timezone(&Utc))
    }

    fn until_utc(s: &Schedule, at: &str) -> Option<DateTime<Utc>> {
        s.open_until(utc(at)).map(|t| t.with_timezone(&Utc))
    }

    const WEEKDAYS: u8 = 0b001_1111;
    const LONDON: Tz = Tz::Europe__London;
    const NEW_YORK: Tz = Tz::America__New_York;

    // ---- parsing: accepted forms ----

    #[test]
    fn parses_always() {
        for text in ["24x7", "24X7", "  24/7 ", "\t24x7\n"] {
            assert_eq!(sched(text), Schedule::Always, "{text}");
        }
    }

    #[test]
    fn parses_weekday_span_with_zone() {
        assert_eq!(
            spans("Mon-Fri 09:00-17:30 Europe/London"),
            vec![span(WEEKDAYS, 540, 1050, LONDON)]
        );
    }

    #[test]
    fn parses_single_day_and_short_hour() {
        assert_eq!(
            spans("Sat 8:00-12:00 America/New_York"),
            vec![span(1 << 5, 480, 720, NEW_YORK)]
        );
    }

    #[test]
    fn parses_several_spans_with_either_separator() {
        let expected = vec![
            span(WEEKDAYS, 480, 1080, Tz::Europe__Berlin),
            span(1 << 5, 540, 720, Tz::Europe__Berlin),
        ];
        assert_eq!(
            spans("Mon-Fri 08:00-18:00 Europe/Berlin; Sat 09:00-12:00 Europe/Berlin"),
            expected
        );
        assert_eq!(
            spans("Mon-Fri 08:00-18:00 Europe/Berlin, Sat 09:00-12:00 Europe/Berlin"),
            expected
        );
        // A trailing separator is harmless.
        assert_eq!(
            spans("Mon-Fri 08:00-18:00 Europe/Berlin; Sat 09:00-12:00 Europe/Berlin;"),
            expected
        );
    }

    #[test]
    fn span_without_zone_takes_next_zone() {
        assert_eq!(
            spans("Mon-Fri 09:00-17:30, Sat 10:00-12:00 Europe/London"),
            vec![
                span(WEEKDAYS, 540, 1050, LONDON),
                span(1 << 5, 600, 720, LONDON)
            ]
        );
        // The *next* zone, not the previous one.
        assert_eq!(
            spans("Mon 09:00-10:00 UTC; Tue 09:00-10:00, Wed 09:00-10:00 Asia/Tokyo"),
            vec![
                span(1, 540, 600, Tz::UTC),
                span(1 << 1, 540, 600, Tz::Asia__Tokyo),
                span(1 << 2, 540, 600, Tz::Asia__Tokyo)
            ]
        );
    }

    #[test]
    fn parses_every_day_name() {
        let names = [
            ("Mon", 0),
            ("Monday", 0),
            ("Tue", 1),
            ("Tues", 1),
            ("Tuesday", 1),
            ("Wed", 2),
            ("Wednesday", 2),
            ("Thu", 3),
            ("Thur", 3),
            ("Thurs", 3),
            ("Thursday", 3),
            ("Fri", 4),
            ("Friday", 4),
            ("Sat", 5),
            ("Saturday", 5),
            ("Sun", 6),
            ("Sunday", 6),
            ("SUN", 6),
            ("thursday", 3),
        ];
        for (name, index) in names {
            assert_eq!(
                spans(&format!("{name} 09:00-10:00 UTC")),
                vec![span(1 << index, 540, 600, Tz::UTC)],
                "{name}"
            );
        }
    }

    #[test]
    fn parses_day_ranges_including_wrapping() {
        assert_eq!(spans("Fri-Mon 09:00-10:00 UTC")[0].days, 0b111_0001);
        assert_eq!(spans("Sat-Sun 09:00-10:00 UTC")[0].days, 0b110_0000);
        assert_eq!(
            spans("Tuesday-Thursday 09:00-10:00 UTC")[0].days,
            0b000_1110
        );
        assert_eq!(spans("Wed-Wed 09:00-10:00 UTC")[0].days, 0b000_0100);
    }

    #[test]
    fn parses_daily_and_every_day() {
        for text in [
            "Daily 09:00-10:00 UTC",
            "Every day 09:00-10:00 UTC",
            "EVERY DAY 09:00-10:00 UTC",
            "everyday 09:00-10:00 UTC",
        ] {
            assert_eq!(
                spans(text),
                vec![span(ALL_DAYS, 540, 600, Tz::UTC)],
                "{text}"
            );
        }
    }

    #[test]
    fn parses_midnight_end_and_overnight() {
        assert_eq!(
            spans("Mon 22:00-24:00 UTC"),
            vec![span(1, 1320, 1440, Tz::UTC)]
        );
        assert_eq!(
            spans("Mon-Fri 22:00-06:00 UTC"),
            vec![span(WEEKDAYS, 1320, 360, Tz::UTC)]
        );
        assert_eq!(
            spans("Sun 00:00-24:00 UTC"),
            vec![span(1 << 6, 0, 1440, Tz::UTC)]
        );
    }

    #[test]
    fn parses_case_insensitively_and_with_loose_spacing() {
        assert_eq!(
            spans("  MON-FRI 09:00-17:30 europe/london  "),
            vec![span(WEEKDAYS, 540, 1050, LONDON)]
        );
        assert_eq!(
            spans("Mon - Fri 09:00 - 17:30 Europe/London"),
            vec![span(WEEKDAYS, 540, 1050, LONDON)]
        );
        assert_eq!(
            spans("Mon\u{2013}Fri 09:00\u{2013}17:30 Europe/London"),
            vec![span(WEEKDAYS, 540, 1050, LONDON)]
        );
    }

    #[test]
    fn parses_utc_and_legacy_links() {
        assert_eq!(spans("Mon 09:00-10:00 UTC")[0].tz, Tz::UTC);
        assert_eq!(spans("Mon 09:00-10:00 GB")[0].tz, Tz::GB);
        assert_eq!(spans("Mon 09:00-10:00 US/Eastern")[0].tz, Tz::US__Eastern);
        assert_eq!(spans("Mon 09:00-10:00 Europe/Kiev")[0].tz, Tz::Europe__Kiev);
        // `UK` is not an IANA name at all (the link is `GB`), so chrono-tz lacks it.
        assert_eq!(err("Mon 09:00-10:00 UK"), "unknown time zone `UK`");
    }

    #[test]
    fn from_str_matches_parse() {
        assert_eq!("24/7".parse::<Schedule>(), Ok(Schedule::Always));
        assert_eq!(
            "Mon 09:00-10:00 Mars/Olympus".parse::<Schedule>(),
            Err(HoursError::UnknownZone("Mars/Olympus".into()))
        );
    }

    // ---- parsing: rejected forms ----

    #[test]
    fn rejects_free_text() {
        assert_eq!(err("office hours"), "`office` is not a day");
        assert_eq!(
            err("9-5 weekdays"),
            "`9-5` is not a day or day range such as Mon-Fri"
        );
        assert_eq!(
            err("24x7 Europe/London"),
            "`24x7` is not a day or day range such as Mon-Fri"
        );
    }

    #[test]
    fn rejects_missing_or_unknown_zone() {
        assert_eq!(
            err("Mon-Fri 09:00-17:30"),
            "no time zone: add an IANA zone such as Europe/London"
        );
        assert_eq!(
            err("Sat 10:00-12:00 Europe/London, Sun 10:00-12:00"),
            "no time zone: add an IANA zone such as Europe/London"
        );
        assert_eq!(
            err("Mon-Fri 09:00-17:30 Mars/Olympus"),
            "unknown time zone `Mars/Olympus`"
        );
    }

    #[test]
    fn rejects_bad_days() {
        assert_eq!(err("Funday 09:00-17:00 UTC"), "`Funday` is not a day");
        assert_eq!(err("Mon-Funday 09:00-17:00 UTC"), "`Funday` is not a day");
        assert_eq!(err("-Mon 09:00-17:00 UTC"), "`-Mon` is not a day");
        assert_eq!(
            err("Mon"),
            "`Mon` has no times: add a range such as 09:00-17:30"
        );
    }

    #[test]
    fn rejects_bad_times() {
        for times in [
            "9-17",
            "09:00",
            "24:00-06:00",
            "25:00-26:00",
            "09:60-10:00",
            "09:00-24:01",
            "009:00-10:00",
            "09:0-10:00",
            "+9:00-10:00",
            "Europe/London",
        ] {
            assert_eq!(
                err(&format!("Mon {times} UTC")),
                format!("`{times}` is not a time range such as 09:00-17:30"),
                "{times}"
            );
        }
        assert_eq!(
            err("Mon 09:00-09:00 UTC"),
            "`09:00-09:00` starts and ends at the same time"
        );
    }

    #[test]
    fn rejects_blank_and_trailing_words() {
        assert_eq!(Schedule::parse("   "), Err(HoursError::Empty));
        assert_eq!(err(""), "no hours given");
        assert_eq!(err(" ; , "), "no hours given");
        assert_eq!(
            err("Mon 09:00-10:00 UTC sharp"),
            "unexpected `sharp` after the time zone"
        );
    }

    // ---- behaviour at fixed instants ----

    #[test]
    fn london_office_hours() {
        let s = sched("Mon-Fri 09:00-17:30 Europe/London");
        // Friday morning: open until 17:30 GMT.
        assert!(s.is_open(utc("2026-11-27T10:00:00Z")));
        assert_eq!(
            until_utc(&s, "2026-11-27T10:00:00Z"),
            Some(utc("2026-11-27T17:30:00Z"))
        );
        assert_eq!(s.next_open(utc("2026-11-27T10:00:00Z")), None);
        // Saturday night: closed, opens Monday 09:00 London.
        assert!(!s.is_open(utc("2026-11-28T03:00:00Z")));
        assert_eq!(s.open_until(utc("2026-11-28T03:00:00Z")), None);
        let next = s.next_open(utc("2026-11-28T03:00:00Z")).expect("opens");
        assert_eq!(next.timezone(), LONDON);
        assert_eq!(next.with_timezone(&Utc), utc("2026-11-30T09:00:00Z"));
        assert_eq!(next.to_rfc3339(), "2026-11-30T09:00:00+00:00");
    }

    #[test]
    fn start_is_inclusive_and_end_exclusive() {
        let s = sched("Mon-Fri 09:00-17:30 Europe/London");
        assert!(!s.is_open(utc("2026-11-30T08:59:59Z")));
        assert_eq!(
            next_utc(&s, "2026-11-30T08:59:59Z"),
            Some(utc("2026-11-30T09:00:00Z"))
        );
        assert!(s.is_open(utc("2026-11-30T09:00:00Z")));
        assert!(!s.is_open(utc("2026-11-30T17:30:00Z")));
        assert_eq!(
            next_utc(&s, "2026-11-30T17:30:00Z"),
            Some(utc("2026-12-01T09:00:00Z"))
        );
    }

    #[test]
    fn london_spring_forward() {
        let s = sched("Mon-Fri 09:00-17:30 Europe/London");
        assert_eq!(
            next_utc(&s, "2026-03-28T12:00:00Z"),
            Some(utc("2026-03-30T08:00:00Z"))
        );
        assert_eq!(
            until_utc(&s, "2026-03-30T10:00:00Z"),
            Some(utc("2026-03-30T16:30:00Z"))
        );
        // Friday before the change was still GMT.
        assert_eq!(
            until_utc(&s, "2026-03-27T10:00:00Z"),
            Some(utc("2026-03-27T17:30:00Z"))
        );
    }

    #[test]
    fn london_fall_back() {
        let s = sched("Mon-Fri 09:00-17:30 Europe/London");
        assert_eq!(
            next_utc(&s, "2026-10-24T12:00:00Z"),
            Some(utc("2026-10-26T09:00:00Z"))
        );
        assert_eq!(
            until_utc(&s, "2026-10-23T10:00:00Z"),
            Some(utc("2026-10-23T16:30:00Z"))
        );
    }

    #[test]
    fn new_york_spring_forward_and_fall_back() {
        let s = sched("Mon-Fri 09:00-17:00 America/New_York");
        // 2026-03-08: EST (-5) -> EDT (-4).
        assert_eq!(
            next_utc(&s, "2026-03-07T12:00:00Z"),
            Some(utc("2026-03-09T13:00:00Z"))
        );
        assert_eq!(
            until_utc(&s, "2026-03-06T15:00:00Z"),
            Some(utc("2026-03-06T22:00:00Z"))
        );
        // 2026-11-01: EDT -> EST.
        assert_eq!(
            next_utc(&s, "2026-10-31T12:00:00Z"),
            Some(utc("2026-11-02T14:00:00Z"))
        );
        assert_eq!(
            until_utc(&s, "2026-10-30T15:00:00Z"),
            Some(utc("2026-10-30T21:00:00Z"))
        );
    }

    #[test]
    fn start_in_spring_forward_gap_opens_after_the_gap() {
        let s = sched("Sun 01:30-03:00 Europe/London");
        assert!(!s.is_open(utc("2026-03-29T00:59:59Z")));
        let next = s.next_open(utc("2026-03-29T00:00:00Z")).expect("opens");
        assert_eq!(next.with_timezone(&Utc), utc("2026-03-29T01:00:00Z"));
        assert_eq!(next.to_rfc3339(), "2026-03-29T02:00:00+01:00");
        assert!(s.is_open(utc("2026-03-29T01:00:00Z")));
        assert_eq!(
            until_utc(&s, "2026-03-29T01:30:00Z"),
            Some(utc("2026-03-29T02:00:00Z"))
        );
        // The week before, it opens at 01:30 GMT as written.
        assert_eq!(
            next_utc(&s, "2026-03-22T00:00:00Z"),
            Some(utc("2026-03-22T01:30:00Z"))
        );
    }

    #[test]
    fn span_entirely_inside_gap_is_skipped() {
        // 01:15-01:45 does not exist on 2026-03-29 in London, so the next opening is a week later.
        let s = sched("Sun 01:15-01:45 Europe/London");
        assert_eq!(
            next_utc(&s, "2026-03-29T00:00:00Z"),
            Some(utc("2026-04-05T00:15:00Z"))
        );
    }

    #[test]
    fn ambiguous_times_in_fall_back_take_the_widest_opening() {
        // 01:30 and 01:45 happen twice on 2026-10-25 in London: BST then GMT.
        let s = sched("Sun 01:30-01:45 Europe/London");
        assert_eq!(
            next_utc(&s, "2026-10-25T00:00:00Z"),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        assert!(s.is_open(utc("2026-10-25T00:40:00Z")));
        assert!(s.is_open(utc("2026-10-25T01:40:00Z")));
        assert_eq!(
            until_utc(&s, "2026-10-25T00:40:00Z"),
            Some(utc("2026-10-25T01:45:00Z"))
        );
    }

    #[test]
    fn overnight_span_across_daylight_saving_changes() {
        let s = sched("Sat 22:00-06:00 Europe/London");
        // Spring: 22:00 GMT to 06:00 BST is seven hours.
        assert_eq!(
            next_utc(&s, "2026-03-28T12:00:00Z"),
            Some(utc("2026-03-28T22:00:00Z"))
        );
        assert!(s.is_open(utc("2026-03-29T04:00:00Z")));
        assert_eq!(
            until_utc(&s, "2026-03-29T04:00:00Z"),
            Some(utc("2026-03-29T05:00:00Z"))
        );
        assert!(!s.is_open(utc("2026-03-29T05:00:00Z")));
        assert_eq!(
            next_utc(&s, "2026-03-29T05:00:00Z"),
            Some(utc("2026-04-04T21:00:00Z"))
        );
        // Autumn: 22:00 BST to 06:00 GMT is nine hours.
        assert_eq!(
            next_utc(&s, "2026-10-24T12:00:00Z"),
            Some(utc("2026-10-24T21:00:00Z"))
        );
        assert_eq!(
            until_utc(&s, "2026-10-24T21:00:00Z"),
            Some(utc("2026-10-25T06:00:00Z"))
        );
    }

    #[test]
    fn overnight_weekday_span() {
        let s = sched("Mon-Fri 22:00-06:00 UTC");
        // Tuesday early morning: Monday night's span.
        assert!(s.is_open(utc("2026-12-01T03:00:00Z")));
        assert_eq!(
            until_utc(&s, "2026-12-01T03:00:00Z"),
            Some(utc("2026-12-01T06:00:00Z"))
        );
        // Saturday early morning: Friday night's span.
        assert!(s.is_open(utc("2026-11-28T03:00:00Z")));
        assert_eq!(
            until_utc(&s, "2026-11-28T03:00:00Z"),
            Some(utc("2026-11-28T06:00:00Z"))
        );
        // Saturday morning after it ends: next is Monday night.
        assert!(!s.is_open(utc("2026-11-28T07:00:00Z")));
        assert_eq!(
            next_utc(&s, "2026-11-28T07:00:00Z"),
            Some(utc("2026-11-30T22:00:00Z"))
        );
        // Sunday early morning: Saturday has no span.
        assert!(!s.is_open(utc("2026-11-29T03:00:00Z")));
        assert_eq!(
            next_utc(&s, "2026-11-29T03:00:00Z"),
            Some(utc("2026-11-30T22:00:00Z"))
        );
        // Monday early morning: Sunday has no span either.
        assert!(!s.is_open(utc("2026-11-30T03:00:00Z")));
    }

    #[test]
    fn always_open() {
        let s = sched("24x7");
        assert!(s.is_open(utc("2026-11-28T03:00:00Z")));
        assert_eq!(s.open_until(utc("2026-11-28T03:00:00Z")), None);
        assert_eq!(s.next_open(utc("2026-11-28T03:00:00Z")), None);
    }

    #[test]
    fn touching_spans_are_one_opening() {
        let s = sched("Mon 22:00-24:00 UTC; Tue 00:00-06:00 UTC");
        assert_eq!(
            until_utc(&s, "2026-11-30T23:00:00Z"),
            Some(utc("2026-12-01T06:00:00Z"))
        );
        let s = sched("Mon-Fri 09:00-17:00 Europe/London; Mon-Fri 16:00-20:00 UTC");
        let until = s.open_until(utc("2026-11-30T10:00:00Z")).expect("open");
        assert_eq!(until.with_timezone(&Utc), utc("2026-11-30T20:00:00Z"));
        assert_eq!(until.timezone(), Tz::UTC);
    }

    #[test]
    fn round_the_clock_weekly_has_no_end() {
        let s = sched("Daily 00:00-24:00 Europe/London");
        assert!(s.is_open(utc("2026-10-25T01:30:00Z")));
        assert_eq!(s.open_until(utc("2026-10-25T01:30:00Z")), None);
        assert_eq!(s.next_open(utc("2026-10-25T01:30:00Z")), None);
    }

    #[test]
    fn several_zones_in_one_text() {
        let s = sched("Mon-Fri 09:00-17:00 Asia/Tokyo; Mon-Fri 09:00-17:00 America/New_York");
        // Monday 12:00Z: 21:00 in Tokyo, 07:00 in New York; New York opens first.
        assert!(!s.is_open(utc("2026-11-30T12:00:00Z")));
        let next = s.next_open(utc("2026-11-30T12:00:00Z")).expect("opens");
        assert_eq!(next.timezone(), NEW_YORK);
        assert_eq!(next.with_timezone(&Utc), utc("2026-11-30T14:00:00Z"));
        // Tuesday 00:30Z is 09:30 Tuesday in Tokyo.
        let until = s.open_until(utc("2026-12-01T00:30:00Z")).expect("open");
        assert_eq!(until.timezone(), Tz::Asia__Tokyo);
        assert_eq!(until.with_timezone(&Utc), utc("2026-12-01T08:00:00Z"));
        // Friday 23:00Z: New York closed at 22:00Z, Tokyo is already Saturday: next is Monday 09:00 in Tokyo (Monday 00:00Z).
        assert_eq!(
            next_utc(&s, "2026-11-27T23:00:00Z"),
            Some(utc("2026-11-30T00:00:00Z"))
        );
    }

    #[test]
    fn day_skipped_by_samoa_is_skipped() {
        // Pacific/Apia jumped from 2011-12-29 23:59:59 (-10) to 2011-12-31 00:00 (+14): no Friday that week.
        let s = sched("Fri 09:00-17:00 Pacific/Apia");
        assert_eq!(
            next_utc(&s, "2011-12-29T12:00:00Z"),
            Some(utc("2012-01-05T19:00:00Z"))
        );
    }

    #[test]
    fn empty_schedule_never_opens() {
        let s = Schedule::Weekly(Vec::new());
        assert!(!s.is_open(utc("2026-11-30T12:00:00Z")));
        assert_eq!(s.next_open(utc("2026-11-30T12:00:00Z")), None);
        assert_eq!(s.open_until(utc("2026-11-30T12:00:00Z")), None);
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        let schedules = [
            "24x7",
            "Mon-Fri 09:00-17:30 Europe/London",
            "Daily 22:00-24:00 Pacific/Kiritimati",
            "Sun 00:00-24:00 Etc/GMT+12",
        ];
        for text in schedules {
            let s = sched(text);
            for at in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                let _ = s.is_open(at);
                let _ = s.open_until(at);
                let _ = s.next_open(at);
                let _ = availability(Some(text), at);
                let far = at.with_timezone(&Tz::Pacific__Kiritimati);
                assert!(!describe(far, at).is_empty());
            }
        }
    }

    #[test]
    fn odd_texts_do_not_panic() {
        for text in [
            "-",
            "--",
            "Mon-",
            "-Mon",
            ":",
            "Mon :-:",
            "Mon 1:00-",
            "Mon -1:00",
            "Mon 99999:00-1:00 UTC",
            "every",
            "every day",
            "Mon 00:00-24:00 ",
            "é",
            "Mon 0\u{663}:00-10:00 UTC",
            ";;;",
            "Mon-Fri 09:00-17:30 Europe/London extra words",
        ] {
            assert!(Schedule::parse(text).is_err(), "{text}");
        }
    }

    // ---- availability and describe ----

    #[test]
    fn availability_of_missing_and_unreadable_hours() {
        let at = utc("2026-11-27T10:00:00Z");
        assert_eq!(availability(None, at), Availability::default());
        assert_eq!(
            availability(Some("office hours"), at),
            Availability::default()
        );
        assert_eq!(availability(Some(""), at), Availability::default());
    }

    #[test]
    fn availability_of_schedules() {
        let hours = Some("Mon-Fri 09:00-17:30 Europe/London");
        assert_eq!(
            availability(hours, utc("2026-11-27T10:00:00Z")),
            Availability {
                reachable_now: Some(true),
                next_reachable: None,
                reachable_until: Some(utc("2026-11-27T17:30:00Z"))
            }
        );
        assert_eq!(
            availability(hours, utc("2026-11-28T03:00:00Z")),
            Availability {
                reachable_now: Some(false),
                next_reachable: Some(utc("2026-11-30T09:00:00Z")),
                reachable_until: None
            }
        );
        assert_eq!(
            availability(Some("24/7"), utc("2026-11-28T03:00:00Z")),
            Availability {
                reachable_now: Some(true),
                next_reachable: None,
                reachable_until: None
            }
        );
    }

    #[test]
    fn describe_by_distance() {
        let t = utc("2026-11-30T09:00:00Z").with_timezone(&LONDON);
        assert_eq!(
            describe(t, utc("2026-11-30T03:00:00Z")),
            "09:00 Europe/London"
        );
        assert_eq!(
            describe(t, utc("2026-11-28T03:00:00Z")),
            "Mon 09:00 Europe/London"
        );
        assert_eq!(
            describe(t, utc("2026-11-24T03:00:00Z")),
            "Mon 09:00 Europe/London"
        );
        assert_eq!(
            describe(t, utc("2026-11-23T03:00:00Z")),
            "2026-11-30 09:00 Europe/London"
        );
        // In the past: the full date, never a misleading weekday.
        assert_eq!(
            describe(t, utc("2026-12-01T03:00:00Z")),
            "2026-11-30 09:00 Europe/London"
        );
        let t = utc("2026-12-24T09:00:00Z").with_timezone(&LONDON);
        assert_eq!(
            describe(t, utc("2026-11-30T03:00:00Z")),
            "2026-12-24 09:00 Europe/London"
        );
    }

    #[test]
    fn describe_uses_the_day_in_the_target_zone() {
        // Monday 12:00Z is already 21:00 Monday in Tokyo; 15:30Z is 00:30 Tuesday there.
        let t = utc("2026-11-30T15:30:00Z").with_timezone(&Tz::Asia__Tokyo);
        assert_eq!(
            describe(t, utc("2026-11-30T12:00:00Z")),
            "Tue 00:30 Asia/Tokyo"
        );
        let t = utc("2026-11-30T14:00:00Z").with_timezone(&NEW_YORK);
        assert_eq!(
            describe(t, utc("2026-11-30T12:00:00Z")),
            "09:00 America/New_York"
        );
    }
}
