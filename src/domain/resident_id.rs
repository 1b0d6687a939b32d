//! Resident identity card number (居民身份证号码), GB 11643-1999.

use chrono::{Datelike, NaiveDate};

use super::{ParseError, iso7064::mod11_2, mask, normalise};

const WHAT: &str = "resident_id";

/// Province-level area codes (first two digits) in use.
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
    61, 62, 63, 64, 65, 71, 81, 82, 83,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// An 18-character resident ID number with a valid check character, birth date and area code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResidentId(String);

impl ResidentId {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = normalise(raw);
        let len = s.chars().count();
        if len != 18 {
            return Err(ParseError::Length { what: WHAT, expected: 18, got: len });
        }
        for (i, ch) in s.chars().enumerate() {
            let ok = ch.is_ascii_digit() || (i == 17 && ch == 'X');
            if !ok {
                return Err(ParseError::Character { what: WHAT, ch, pos: i + 1 });
            }
        }
        let expected = mod11_2(&s[..17]).ok_or(ParseError::Invalid { what: WHAT, detail: "format" })?;
        if s.as_bytes()[17] as char != expected {
            return Err(ParseError::CheckDigit { what: WHAT, expected });
        }
        let province: u8 = s[..2].parse().unwrap_or(0);
        if !PROVINCES.contains(&province) {
            return Err(ParseError::Invalid { what: WHAT, detail: "area code" });
        }
        let birth = NaiveDate::parse_from_str(&s[6..14], "%Y%m%d")
            .map_err(|_| ParseError::Invalid { what: WHAT, detail: "birth date" })?;
        let today = chrono::Utc::now().date_naive();
        if birth.year() < 1900 || birth > today {
            return Err(ParseError::Invalid { what: WHAT, detail: "birth date" });
        }
        Ok(Self(s))
    }

    /// The number of `area` (six digits), born `birth` (`YYYYMMDD`), sequence `seq` (odd for
    /// men), with its check character computed.
    pub fn from_parts(area: &str, birth: &str, seq: u32) -> Result<Self, ParseError> {
        let body = format!("{area}{birth}{:03}", seq % 1000);
        let check = mod11_2(&body).ok_or(ParseError::Invalid { what: WHAT, detail: "format" })?;
        Self::parse(&format!("{body}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    pub fn sex(&self) -> Sex {
        let d = self.0.as_bytes()[16] - b'0';
        if d % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// `5001**********123X`: safe for lists and logs.
    pub fn masked(&self) -> String {
        mask(&self.0, 4, 4)
    }
}

impl std::fmt::Display for ResidentId {
    /// Displays masked so that a stray `{}` in a log line never leaks the number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_examples_parse() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        let id = ResidentId::parse("360426199101010071").unwrap();
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.masked(), "3604**********0071");
        assert_eq!(id.to_string(), "3604**********0071");
    }

    #[test]
    fn typing_noise_is_normalised() {
        assert!(ResidentId::parse(" 110105 19491231 002x ").is_ok());
    }

    #[test]
    fn refusals_say_why() {
        use ParseError::*;
        assert!(matches!(ResidentId::parse("110105194912310021"), Err(CheckDigit { expected: 'X', .. })));
        assert!(matches!(ResidentId::parse("11010519491231X02X"), Err(Character { pos: 15, .. })));
        // Valid check digit, impossible date (Feb 30).
        let body = "11010519490230002";
        let id = format!("{body}{}", mod11_2(body).unwrap());
        assert!(matches!(ResidentId::parse(&id), Err(Invalid { detail: "birth date", .. })));
        let body = "99010519491231002";
        let id = format!("{body}{}", mod11_2(body).unwrap());
        assert!(matches!(ResidentId::parse(&id), Err(Invalid { detail: "area code", .. })));
    }

    fn valid_body() -> impl Strategy<Value = String> {
        (0..PROVINCES.len(), 0u32..10_000, 1900i32..2020, 1u32..=12, 1u32..=28, 0u32..1000).prop_map(
            |(p, area, y, m, d, seq)| format!("{:02}{:04}{y:04}{m:02}{d:02}{seq:03}", PROVINCES[p], area),
        )
    }

    proptest! {
        #[test]
        fn every_number_with_its_check_digit_parses(body in valid_body()) {
            let id = format!("{body}{}", mod11_2(&body).unwrap());
            let parsed = ResidentId::parse(&id).unwrap();
            prop_assert_eq!(parsed.as_str(), id.as_str());
        }

        #[test]
        fn any_single_substitution_is_caught(body in valid_body(), pos in 0usize..18, d in 0u8..11) {
            let id = format!("{body}{}", mod11_2(&body).unwrap());
            let mut bytes = id.clone().into_bytes();
            let new = if pos == 17 && d == 10 { b'X' } else { b'0' + d % 10 };
            prop_assume!(bytes[pos] != new);
            bytes[pos] = new;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(ResidentId::parse(&typo).is_err());
        }

        #[test]
        fn any_adjacent_swap_of_different_digits_is_caught(body in valid_body(), pos in 0usize..16) {
            let id = format!("{body}{}", mod11_2(&body).unwrap());
            let mut bytes = id.into_bytes();
            prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            prop_assert!(ResidentId::parse(&String::from_utf8(bytes).unwrap()).is_err());
        }
    }
}
