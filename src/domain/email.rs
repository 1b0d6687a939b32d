//! E-mail address, checked for the shape an SMTP server accepts (not a full RFC 5322 parser).

use super::{ParseError, mask};

const WHAT: &str = "email";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let invalid = ParseError::Invalid { what: WHAT, detail: "format" };
        if s.len() > 254 {
            return Err(invalid);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(invalid.clone())?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !(local_ok && domain_ok) {
            return Err(invalid);
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `zh***@example.com`
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        let keep = local.chars().count().min(2);
        format!("{}@{domain}", mask(local, keep, 0))
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        let e = Email::parse(" zhang.san@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "zhang.san@example.com");
        assert_eq!(e.masked(), "zh*******@example.com");
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in ["", "no-at", "a@b", "a b@c.cn", "@c.cn", "a@-c.cn", ".a@c.cn", "a@c..cn"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
