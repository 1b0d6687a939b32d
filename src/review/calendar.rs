//! Working days in mainland China: Monday to Friday, minus public holidays, plus the weekend
//! days worked in exchange (调休上班). The exceptions are data (`calendar_days`), loaded per use;
//! the review SLA ("2 working days") counts in this calendar, in Beijing time.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::entities::calendar_day;

/// China Standard Time, UTC+8, no daylight saving (checked when compiling, not at run time).
const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

pub fn beijing() -> FixedOffset {
    BEIJING
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    Holiday,
    Workday,
}

#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    exceptions: HashMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    pub fn new(exceptions: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self { exceptions: exceptions.into_iter().collect() }
    }

    /// The exceptions from `from` to 60 days later: more than any SLA spans.
    pub async fn load(db: &impl ConnectionTrait, from: NaiveDate) -> Result<Self, DbErr> {
        let to = from + Days::new(60);
        let rows = calendar_day::Entity::find()
            .filter(calendar_day::Column::Day.gte(from.format("%Y-%m-%d").to_string()))
            .filter(calendar_day::Column::Day.lte(to.format("%Y-%m-%d").to_string()))
            .all(db)
            .await?;
        Ok(Self::new(rows.into_iter().filter_map(|r| {
            let day = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").ok()?;
            let kind = match r.kind.as_str() {
                "holiday" => DayKind::Holiday,
                "workday" => DayKind::Workday,
                _ => return None,
            };
            Some((day, kind))
        })))
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.exceptions.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// `working_days` working days after `start`: the same Beijing clock time on the n-th
    /// working day after the start's day. A start outside working days counts from 00:00 of
    /// the next working day.
    pub fn add_working_days(&self, start: DateTime<Utc>, working_days: u32) -> DateTime<Utc> {
        let tz = beijing();
        let local = start.with_timezone(&tz);
        let (mut day, time) = if self.is_working_day(local.date_naive()) {
            (local.date_naive(), local.time())
        } else {
            (self.next_working_day(local.date_naive()), chrono::NaiveTime::MIN)
        };
        for _ in 0..working_days {
            day = self.next_working_day(day);
        }
        tz.from_local_datetime(&day.and_time(time)).single().map_or(start, |d| d.with_timezone(&Utc))
    }

    fn next_working_day(&self, mut day: NaiveDate) -> NaiveDate {
        // Bounded: no stretch of non-working days lasts a month.
        for _ in 0..31 {
            day = day.succ_opt().unwrap_or(day);
            if self.is_working_day(day) {
                break;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn spring_festival_2026() -> WorkCalendar {
        let mut days: Vec<_> = (15..=23).map(|n| (d(&format!("2026-02-{n:02}")), DayKind::Holiday)).collect();
        days.push((d("2026-02-14"), DayKind::Workday));
        days.push((d("2026-02-28"), DayKind::Workday));
        WorkCalendar::new(days)
    }

    #[test]
    fn two_working_days_from_a_monday_morning_is_wednesday_morning() {
        let cal = WorkCalendar::default();
        let due = cal.add_working_days(at("2026-11-23T10:00:00+08:00"), 2);
        assert_eq!(due, at("2026-11-25T10:00:00+08:00"));
    }

    #[test]
    fn a_friday_submission_skips_the_weekend() {
        let due = WorkCalendar::default().add_working_days(at("2026-11-27T16:30:00+08:00"), 2);
        assert_eq!(due, at("2026-12-01T16:30:00+08:00"));
    }

    #[test]
    fn a_weekend_submission_counts_from_monday_midnight() {
        // Saturday: the clock starts Monday 00:00; Monday and Tuesday are the two days.
        let due = WorkCalendar::default().add_working_days(at("2026-11-28T11:00:00+08:00"), 2);
        assert_eq!(due, at("2026-12-02T00:00:00+08:00"));
    }

    #[test]
    fn the_spring_festival_stops_the_clock_and_make_up_saturdays_count() {
        let cal = spring_festival_2026();
        assert!(cal.is_working_day(d("2026-02-14")), "Saturday 14 Feb is worked");
        assert!(!cal.is_working_day(d("2026-02-16")), "Monday 16 Feb is a holiday");
        // Friday 13 Feb 15:00 → Saturday 14 (worked) → Tuesday 24 (first day back).
        let due = cal.add_working_days(at("2026-02-13T15:00:00+08:00"), 2);
        assert_eq!(due, at("2026-02-24T15:00:00+08:00"));
    }

    #[test]
    fn beijing_days_not_utc_days_decide() {
        // Monday 00:30 in Beijing is still Sunday in UTC.
        let due = WorkCalendar::default().add_working_days(at("2026-11-23T00:30:00+08:00"), 1);
        assert_eq!(due, at("2026-11-24T00:30:00+08:00"));
    }
}
