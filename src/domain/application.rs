//! What an application is for: operation type, certificate type, delivery, and the documents
//! each operation requires (see docs/domain.md, "Operation types and the documents each needs").

/// A closed set of string-backed values stored in the database as their `as_str()`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $s:literal, $zh:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $s),+ }
            }

            /// The label shown to people.
            pub fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok(Self::$variant),)+
                    _ => Err($crate::domain::UnknownValue { kind: stringify!($name), value: s.to_string() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

string_enum! {
    /// 操作类型
    OperationType {
        New => "new", "证书新办";
        RenewalValid => "renewal_valid", "证书更新（有效期内）";
        RenewalExpired => "renewal_expired", "证书更新（已过期）";
        Change => "change", "证书信息变更";
        Reissue => "reissue", "证书补办";
        PinUnlock => "pin_unlock", "PIN码解锁";
    }
}

string_enum! {
    /// 证书类型
    CertificateType {
        UnitSeal => "unit_seal", "单位证书带签章";
        LegalPersonSeal => "legal_person_seal", "法人证书带签章";
    }
}

string_enum! {
    /// 领取方式
    Delivery {
        Courier => "courier", "顺丰邮寄（到付）";
        Pickup => "pickup", "现场领取";
    }
}

string_enum! {
    /// A document slot of an application: what the applicant must upload.
    DocumentKind {
        ApplicationForm => "application_form", "数字证书申请表";
        SealSample => "seal_sample", "电子印章取样表";
        BusinessLicense => "business_license", "营业执照副本复印件";
        LegalRepIdCard => "legal_rep_id_card", "法人身份证复印件";
        OperatorIdCard => "operator_id_card", "经办人身份证复印件";
        ChangeStatement => "change_statement", "证书变更说明";
    }
}

const FULL_SET: &[DocumentKind] = &[
    DocumentKind::ApplicationForm,
    DocumentKind::SealSample,
    DocumentKind::BusinessLicense,
    DocumentKind::LegalRepIdCard,
    DocumentKind::OperatorIdCard,
];

const FULL_SET_AND_STATEMENT: &[DocumentKind] = &[
    DocumentKind::ApplicationForm,
    DocumentKind::SealSample,
    DocumentKind::BusinessLicense,
    DocumentKind::LegalRepIdCard,
    DocumentKind::OperatorIdCard,
    DocumentKind::ChangeStatement,
];

impl OperationType {
    /// The documents this operation requires, in the order the applicant is asked for them.
    pub fn required_documents(self) -> &'static [DocumentKind] {
        match self {
            Self::New | Self::RenewalExpired | Self::Reissue => FULL_SET,
            Self::Change => FULL_SET_AND_STATEMENT,
            Self::RenewalValid => &[],
            Self::PinUnlock => &[DocumentKind::ApplicationForm, DocumentKind::OperatorIdCard],
        }
    }

    /// A renewal of a still-valid certificate needs no documents and so no automated checks.
    pub fn needs_documents(self) -> bool {
        !self.required_documents().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_documents_follow_the_manual() {
        assert_eq!(OperationType::New.required_documents().len(), 5);
        assert!(OperationType::Change.required_documents().contains(&DocumentKind::ChangeStatement));
        assert!(!OperationType::RenewalValid.needs_documents());
        assert_eq!(
            OperationType::PinUnlock.required_documents(),
            &[DocumentKind::ApplicationForm, DocumentKind::OperatorIdCard]
        );
    }

    #[test]
    fn values_round_trip_through_their_strings() {
        for op in OperationType::ALL {
            assert_eq!(op.as_str().parse::<OperationType>().unwrap(), *op);
        }
        for kind in DocumentKind::ALL {
            assert_eq!(kind.as_str().parse::<DocumentKind>().unwrap(), *kind);
        }
        assert!("bogus".parse::<Delivery>().is_err());
    }
}
