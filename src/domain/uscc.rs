//! Unified social credit code (统一社会信用代码), GB 32100-2015, with the embedded
//! organisation code (positions 9–17) checked by GB 11714.

use super::{ParseError, mask, normalise};

const WHAT: &str = "uscc";
/// Values 0–30; I, O, S, V and Z are never used.
pub(crate) const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uscc(String);

/// GB 32100 check character over the first 17 characters; `None` if one is outside the alphabet.
pub(crate) fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += ALPHABET.find(c)? as u32 * w;
    }
    ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize)
}

/// GB 11714 check character over the 8-character organisation code body.
pub(crate) fn org_check_char(body8: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in body8.chars().zip(ORG_WEIGHTS) {
        sum += c.to_digit(36)? * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    })
}

impl Uscc {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = normalise(raw);
        let len = s.chars().count();
        if len != 18 {
            return Err(ParseError::Length { what: WHAT, expected: 18, got: len });
        }
        for (i, ch) in s.chars().enumerate() {
            let ok = if (2..8).contains(&i) { ch.is_ascii_digit() } else { ALPHABET.contains(ch) };
            if !ok {
                return Err(ParseError::Character { what: WHAT, ch, pos: i + 1 });
            }
        }
        let expected = check_char(&s[..17]).ok_or(ParseError::Invalid { what: WHAT, detail: "format" })?;
        if s.as_bytes()[17] as char != expected {
            return Err(ParseError::CheckDigit { what: WHAT, expected });
        }
        match org_check_char(&s[8..16]) {
            Some(c) if c == s.as_bytes()[16] as char => Ok(Self(s)),
            _ => Err(ParseError::Invalid { what: WHAT, detail: "organisation code check" }),
        }
    }

    /// A code for a legal person (`91`) of `area` (six digits) with organisation code body
    /// `org_body` (eight characters), both check characters computed.
    pub fn from_parts(area: &str, org_body: &str) -> Result<Self, ParseError> {
        let org_check =
            org_check_char(org_body).ok_or(ParseError::Invalid { what: WHAT, detail: "org code" })?;
        let first17 = format!("91{area}{org_body}{org_check}");
        let check = check_char(&first17).ok_or(ParseError::Invalid { what: WHAT, detail: "format" })?;
        Self::parse(&format!("{first17}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Six-digit administrative area code (positions 3–8).
    pub fn area_code(&self) -> &str {
        &self.0[2..8]
    }

    pub fn masked(&self) -> String {
        mask(&self.0, 4, 4)
    }
}

impl std::fmt::Display for Uscc {
    /// A credit code is public business information, so it displays in full.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_examples_parse() {
        assert_eq!(Uscc::parse("91110000600037341L").unwrap().area_code(), "110000");
        assert!(Uscc::parse("9144030071526726XG").is_ok());
        assert!(Uscc::parse("9144 0300 7152 6726 xg").is_ok());
    }

    #[test]
    fn refusals_say_why() {
        use ParseError::*;
        assert!(matches!(Uscc::parse("91110000600037341A"), Err(CheckDigit { expected: 'L', .. })));
        // 'O' is not in the alphabet.
        assert!(matches!(Uscc::parse("9111000060003734OL"), Err(Character { ch: 'O', pos: 17, .. })));
        // Organisation-code check broken but GB 32100 check recomputed to pass.
        let body = "91110000600037342";
        let code = format!("{body}{}", check_char(body).unwrap());
        assert!(matches!(Uscc::parse(&code), Err(Invalid { detail: "organisation code check", .. })));
    }

    fn valid_code() -> impl Strategy<Value = String> {
        let org_chars: Vec<char> = "0123456789ABCDEFGHJKLMNPQRTUWXY".chars().collect();
        (
            prop::sample::select(vec!['1', '5', '9', 'Y']),
            prop::sample::select(vec!['1', '2', '3', '9']),
            0u32..1_000_000,
            prop::collection::vec(prop::sample::select(org_chars), 8),
        )
            .prop_filter_map("org check must be in the alphabet", |(a, b, area, org)| {
                let org: String = org.into_iter().collect();
                let oc = org_check_char(&org)?;
                let first17 = format!("{a}{b}{area:06}{org}{oc}");
                Some(format!("{first17}{}", check_char(&first17)?))
            })
    }

    proptest! {
        #[test]
        fn every_code_with_both_checks_parses(code in valid_code()) {
            let parsed = Uscc::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
        }

        #[test]
        fn any_single_substitution_is_caught(code in valid_code(), pos in 0usize..18, v in 0usize..31) {
            let mut chars: Vec<char> = code.chars().collect();
            let new = ALPHABET.chars().nth(v).unwrap();
            prop_assume!(chars[pos] != new);
            chars[pos] = new;
            let typo: String = chars.into_iter().collect();
            prop_assert!(Uscc::parse(&typo).is_err());
        }
    }
}
