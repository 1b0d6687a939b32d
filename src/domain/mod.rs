//! Domain values that parse, not validate: once constructed, a value is known to be well formed.
//!
//! Every parse error has a stable code and a Chinese message an applicant can act on.

pub(crate) mod application;
mod email;
mod iso7064;
mod mobile;
mod order_number;
mod resident_id;
pub(crate) mod uscc;

pub use application::{CertificateType, Delivery, DocumentKind, OperationType, UnknownValue};
pub use email::Email;
pub use mobile::Mobile;
pub use order_number::OrderNumber;
pub use resident_id::{ResidentId, Sex};
pub use uscc::Uscc;

/// Why a typed value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{what}: wrong length (expected {expected}, got {got})")]
    Length { what: &'static str, expected: usize, got: usize },
    #[error("{what}: character {ch:?} not allowed at position {pos}")]
    Character { what: &'static str, ch: char, pos: usize },
    #[error("{what}: check character should be {expected}")]
    CheckDigit { what: &'static str, expected: char },
    #[error("{what}: {detail}")]
    Invalid { what: &'static str, detail: &'static str },
}

impl ParseError {
    /// Stable machine-readable code, e.g. `resident_id.check_digit`.
    pub fn code(&self) -> String {
        let (what, kind) = match self {
            Self::Length { what, .. } => (what, "length"),
            Self::Character { what, .. } => (what, "character"),
            Self::CheckDigit { what, .. } => (what, "check_digit"),
            Self::Invalid { what, .. } => (what, "invalid"),
        };
        format!("{what}.{kind}")
    }

    /// Chinese message for the applicant.
    pub fn message_zh(&self) -> String {
        let noun = |what: &str| match what {
            "resident_id" => "身份证号码",
            "uscc" => "统一社会信用代码",
            "mobile" => "手机号码",
            "email" => "电子邮箱",
            "order_number" => "订单号",
            _ => "填写内容",
        };
        match self {
            Self::Length { what, got: 0, .. } => format!("请填写{}", noun(what)),
            Self::Length { what, expected, got } => {
                format!("{}应为{}位，当前为{}位", noun(what), expected, got)
            }
            Self::Character { what, ch, pos } => {
                format!("{}第{}位的字符“{}”无效", noun(what), pos, ch)
            }
            Self::CheckDigit { what, .. } => format!("{}校验位不正确，请核对是否填错", noun(what)),
            Self::Invalid { what, detail } => format!("{}无效：{}", noun(what), detail_zh(detail)),
        }
    }
}

fn detail_zh(detail: &str) -> &'static str {
    match detail {
        "birth date" => "出生日期不存在",
        "area code" => "地区代码不存在",
        "organisation code check" => "组织机构代码校验位不正确",
        "format" => "格式不正确",
        _ => "格式不正确",
    }
}

/// Keeps the first `head` and last `tail` characters and stars the rest: `5001**********123X`.
pub fn mask(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// As [`mask`], with the characters at the 1-based positions `keep` shown too.
pub fn mask_keeping(value: &str, head: usize, tail: usize, keep: &[usize]) -> String {
    let n = value.chars().count();
    value
        .chars()
        .zip(mask(value, head, tail).chars())
        .enumerate()
        .map(|(i, (plain, masked))| if keep.contains(&(i + 1)) && n > head + tail { plain } else { masked })
        .collect()
}

/// Normalises what people type: trims, drops inner spaces and dashes, upper-cases.
pub(crate) fn normalise(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeping_shows_the_positions_asked_for() {
        assert_eq!(mask_keeping("11010519491231002X", 4, 4, &[15, 9]), "1101****4*****002X");
        assert_eq!(mask_keeping("11010519491231002X", 4, 4, &[]), mask("11010519491231002X", 4, 4));
        assert_eq!(mask_keeping("1234", 4, 4, &[2]), "****");
    }

    #[test]
    fn mask_keeps_head_and_tail() {
        assert_eq!(mask("50010119900101123X", 4, 4), "5001**********123X");
        assert_eq!(mask("abc", 2, 2), "***");
    }

    #[test]
    fn errors_have_stable_codes_and_chinese_messages() {
        let e = ResidentId::parse("11010519491231002").unwrap_err();
        assert_eq!(e.code(), "resident_id.length");
        assert_eq!(e.message_zh(), "身份证号码应为18位，当前为17位");
    }
}
