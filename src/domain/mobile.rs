//! Mainland China mobile number (11 digits, 1[3-9]…), as SMS is sent to it.

use super::{ParseError, mask};

const WHAT: &str = "mobile";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let mut s: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        for prefix in ["+86", "0086"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.to_string();
            }
        }
        if let Some((pos, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(ParseError::Character { what: WHAT, ch, pos: pos + 1 });
        }
        if s.len() != 11 {
            return Err(ParseError::Length { what: WHAT, expected: 11, got: s.len() });
        }
        if !s.starts_with('1') || !(b'3'..=b'9').contains(&s.as_bytes()[1]) {
            return Err(ParseError::Invalid { what: WHAT, detail: "format" });
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `139****7460`
    pub fn masked(&self) -> String {
        mask(&self.0, 3, 4)
    }
}

impl std::fmt::Display for Mobile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_numbers_in_common_spellings() {
        assert_eq!(Mobile::parse("139 8378 7460").unwrap().as_str(), "13983787460");
        assert_eq!(Mobile::parse("+86 176-2309-4654").unwrap().masked(), "176****4654");
    }

    #[test]
    fn refuses_landlines_and_short_numbers() {
        assert!(Mobile::parse("023-88257082").is_err());
        assert!(Mobile::parse("1398378746").is_err());
        assert!(Mobile::parse("12983787460").is_err());
        assert!(Mobile::parse("1398378746a").is_err());
    }
}
