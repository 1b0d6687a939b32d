//! Order number (订单号): `SD` + date (YYYYMMDD) + six random digits + a MOD 11-2 check character,
//! e.g. `SD20261123482917X`. Random rather than sequential so several nodes can mint numbers
//! without coordinating (the database's unique index catches the rare collision), and checked so
//! that a mistyped number in 订单查询 is caught before a lookup.

use chrono::NaiveDate;

use super::{ParseError, iso7064::mod11_2, normalise};

const WHAT: &str = "order_number";
const LEN: usize = 17;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderNumber(String);

impl OrderNumber {
    /// Mints a new number for `date` from six random digits.
    pub fn generate(date: NaiveDate) -> Self {
        let random = uuid::Uuid::new_v4().as_u128() % 1_000_000;
        let body = format!("{}{random:06}", date.format("%Y%m%d"));
        let check = mod11_2(&body).unwrap_or('0');
        Self(format!("SD{body}{check}"))
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = normalise(raw);
        if s.len() != LEN {
            return Err(ParseError::Length { what: WHAT, expected: LEN, got: s.chars().count() });
        }
        if !s.starts_with("SD") {
            return Err(ParseError::Invalid { what: WHAT, detail: "format" });
        }
        for (i, ch) in s.chars().enumerate().skip(2) {
            if !(ch.is_ascii_digit() || (i == LEN - 1 && ch == 'X')) {
                return Err(ParseError::Character { what: WHAT, ch, pos: i + 1 });
            }
        }
        let expected = mod11_2(&s[2..LEN - 1]).ok_or(ParseError::Invalid { what: WHAT, detail: "format" })?;
        if s.as_bytes()[LEN - 1] as char != expected {
            return Err(ParseError::CheckDigit { what: WHAT, expected });
        }
        NaiveDate::parse_from_str(&s[2..10], "%Y%m%d")
            .map_err(|_| ParseError::Invalid { what: WHAT, detail: "format" })?;
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_numbers_parse_back() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        for _ in 0..200 {
            let n = OrderNumber::generate(date);
            assert!(n.as_str().starts_with("SD20261123"));
            assert_eq!(OrderNumber::parse(&n.as_str().to_lowercase()).unwrap(), n);
        }
    }

    #[test]
    fn a_mistyped_digit_is_caught() {
        let n = OrderNumber::generate(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap());
        let mut bytes = n.as_str().as_bytes().to_vec();
        bytes[12] = if bytes[12] == b'9' { b'0' } else { bytes[12] + 1 };
        let typo = String::from_utf8(bytes).unwrap();
        assert!(matches!(OrderNumber::parse(&typo), Err(ParseError::CheckDigit { .. })));
    }
}
