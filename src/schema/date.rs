//! Calendar dates: the value type of date fields, shared by every stage.

use std::fmt;

/// A calendar date (proleptic Gregorian), always valid.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists (`2023-02-29` does not). Years 1..=9999.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Self {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Parses strict ISO 8601 `YYYY-MM-DD`.
    pub fn from_iso(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])?;
        Self::new(year as i32, digits(&b[5..7])?, digits(&b[8..10])?)
    }

    /// Today's date in UTC, from the system clock.
    pub fn today() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_days_since_epoch((secs / 86_400) as i64)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, clamped to years 1..=9999.
    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days.clamp(-719_162, 2_932_896) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// Whole years from `self` to `on` (an age when `self` is a birth date).
    pub fn years_until(self, on: Self) -> i32 {
        let before_birthday = (on.month, on.day) < (self.month, self.day);
        on.year - self.year - i32::from(before_birthday)
    }

    /// Whole calendar months from `self` to `on` (negative when `on` is
    /// earlier); a month counts once its day of the month is reached:
    /// 2024-03-31 to 2026-03-31 is 24 months, to 2026-03-30 is 23, and
    /// 2024-01-31 to 2024-02-29 is 0 (to 2024-03-01, 1).
    pub fn months_until(self, on: Self) -> i64 {
        let months =
            i64::from(on.year - self.year) * 12 + i64::from(on.month) - i64::from(self.month);
        if on.day < self.day {
            months - 1
        } else {
            months
        }
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`, written as ten bytes: normalizing writes every date
    /// it reformats, and `write!` with three padded numbers cost over a
    /// thousand instructions a date.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let year = self.year.unsigned_abs();
        let iso = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(u32::from(self.month) / 10),
            digit(u32::from(self.month)),
            b'-',
            digit(u32::from(self.day) / 10),
            digit(u32::from(self.day)),
        ];
        // Only ASCII digits and dashes; years are 1..=9999.
        f.write_str(std::str::from_utf8(&iso).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

/// The number written by 1–9 ASCII digits.
pub(crate) fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every date of years 1..=9999 is written as padded numbers
        /// would write it, and reads back as itself.
        #[test]
        fn dates_are_written_as_padded_numbers(days in -719_162i64..=2_932_896) {
            let date = Date::from_days_since_epoch(days);
            let written = date.to_string();
            prop_assert_eq!(
                &written,
                &format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
            );
            prop_assert_eq!(Date::from_iso(&written), Some(date));
        }
    }

    #[test]
    fn first_and_last_dates_are_written_in_full() {
        assert_eq!(Date::new(1, 1, 1).unwrap().to_string(), "0001-01-01");
        assert_eq!(Date::new(9999, 12, 31).unwrap().to_string(), "9999-12-31");
        assert_eq!(Date::new(2024, 2, 29).unwrap().to_string(), "2024-02-29");
    }
}
