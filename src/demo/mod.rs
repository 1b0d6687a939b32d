//! `sealdesk demo`: realistic organisations and applications in every lifecycle state, so a new
//! user sees a working service at once. Every number is valid (check digits computed, never
//! hard-coded) and every state is reached through the real lifecycle, audit trail included.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

pub mod scans;
mod staff;

use crate::audit::Actor;
use crate::config::Settings;
use crate::db::begin_write;
use crate::domain::{CertificateType, Delivery, OperationType, OrderNumber, ResidentId, Uscc};
use crate::entities::{application, organisation};
use crate::review::{ApplicationState, Event, apply_event_in};
use crate::storage::BlobStore;

struct Company {
    name: &'static str,
    district: &'static str,
    org_body: &'static str,
    legal_rep: (&'static str, &'static str),
    operator: (&'static str, &'static str),
    address: &'static str,
}

const COMPANIES: &[Company] = &[
    Company {
        name: "重庆山城建设工程有限公司",
        district: "500103",
        org_body: "MA5U7K3P",
        legal_rep: ("张伟", "19750312"),
        operator: ("李娜", "19900518"),
        address: "重庆市渝中区解放碑民族路188号",
    },
    Company {
        name: "重庆嘉陵信息技术有限公司",
        district: "500106",
        org_body: "MA60C2RX",
        legal_rep: ("王强", "19681103"),
        operator: ("刘洋", "19920721"),
        address: "重庆市沙坪坝区大学城中路26号",
    },
    Company {
        name: "重庆两江智慧医疗器械有限公司",
        district: "500112",
        org_body: "MA5YH8T1",
        legal_rep: ("陈静", "19800229"),
        operator: ("杨磊", "19950109"),
        address: "重庆市渝北区金开大道1号",
    },
    Company {
        name: "重庆南岸弹子石建材经营部",
        district: "500108",
        org_body: "MA61B9Q4",
        legal_rep: ("赵敏", "19720816"),
        operator: ("黄勇", "19881130"),
        address: "重庆市南岸区弹子石复兴街9号",
    },
    Company {
        name: "重庆九龙坡物流配送有限公司",
        district: "500107",
        org_body: "MA5X0N6G",
        legal_rep: ("周杰", "19650704"),
        operator: ("吴霞", "19930402"),
        address: "重庆市九龙坡区杨家坪正街12号",
    },
    Company {
        name: "重庆万州三峡印务有限公司",
        district: "500101",
        org_body: "MA5W4E2L",
        legal_rep: ("徐丽", "19791225"),
        operator: ("孙浩", "19970615"),
        address: "重庆市万州区高笋塘广场3号",
    },
];

/// (company index, operation, certificate type, delivery, years, target state)
const APPLICATIONS: &[(usize, OperationType, CertificateType, Delivery, i32, ApplicationState)] = {
    use ApplicationState::*;
    use CertificateType::*;
    use Delivery::*;
    use OperationType::*;
    &[
        (0, New, UnitSeal, Courier, 1, Draft),
        (0, New, UnitSeal, Courier, 2, InReview),
        (1, New, LegalPersonSeal, Pickup, 1, Submitted),
        (1, Change, UnitSeal, Courier, 3, Checking),
        (2, New, UnitSeal, Courier, 1, InReview),
        (2, Reissue, UnitSeal, Pickup, 1, Approved),
        (3, New, UnitSeal, Pickup, 2, Returned),
        (3, RenewalExpired, UnitSeal, Courier, 1, Resubmitted),
        (4, New, LegalPersonSeal, Courier, 1, Rejected),
        (4, RenewalValid, UnitSeal, Pickup, 1, InReview),
        (5, New, UnitSeal, Courier, 5, Paid),
        (5, PinUnlock, UnitSeal, Pickup, 1, InReview),
        (0, New, UnitSeal, Courier, 1, InProduction),
        (1, New, UnitSeal, Courier, 2, Shipped),
        (2, New, UnitSeal, Pickup, 1, PickedUp),
    ]
};

/// The events that take a new application to `target`.
fn path_to(target: ApplicationState, needs_documents: bool) -> Vec<Event> {
    use ApplicationState as S;
    use Event as E;
    let review = if needs_documents {
        vec![E::Submit, E::StartChecks, E::ChecksDone]
    } else {
        vec![E::Submit, E::SkipChecks]
    };
    let extend = |mut v: Vec<Event>, more: &[Event]| {
        v.extend_from_slice(more);
        v
    };
    match target {
        S::Draft => vec![],
        S::Submitted => vec![E::Submit],
        S::Checking => vec![E::Submit, E::StartChecks],
        S::InReview => review,
        S::Approved => extend(review, &[E::Approve]),
        S::Returned => extend(review, &[E::Return]),
        S::Rejected => extend(review, &[E::Reject]),
        S::Resubmitted => extend(review, &[E::Return, E::Resubmit]),
        S::Paid => extend(review, &[E::Approve, E::Pay]),
        S::InProduction => extend(review, &[E::Approve, E::Pay, E::StartProduction]),
        S::Shipped => extend(review, &[E::Approve, E::Pay, E::StartProduction, E::Ship]),
        S::PickedUp => extend(review, &[E::Approve, E::Pay, E::StartProduction, E::PickUp]),
    }
}

fn uscc(c: &Company) -> anyhow::Result<Uscc> {
    Ok(Uscc::from_parts(c.district, c.org_body)?)
}

fn resident_id(district: &str, birth: &str, seq: u32) -> anyhow::Result<ResidentId> {
    Ok(ResidentId::from_parts(district, birth, seq)?)
}

/// Loads the demo data unless it is already there: organisations, applications in every state,
/// staff accounts signing in with `staff_password`, and generated scans for the cases that
/// wait in the queue (checked by the job runners of a running `serve`). Returns a summary.
pub async fn load(
    db: &DatabaseConnection,
    blobs: &dyn BlobStore,
    settings: &Settings,
    staff_password: &str,
) -> anyhow::Result<String> {
    let policy = &settings.review;
    let first = uscc(&COMPANIES[0])?;
    let existing =
        organisation::Entity::find().filter(organisation::Column::Uscc.eq(first.as_str())).count(db).await?;
    if existing > 0 {
        return Ok("demo data already loaded".into());
    }
    let txn = begin_write(db).await?;
    let mut org_ids = Vec::new();
    for (i, c) in COMPANIES.iter().enumerate() {
        let now = chrono::Utc::now();
        let org = organisation::ActiveModel {
            name: Set(c.name.into()),
            uscc: Set(uscc(c)?.as_str().into()),
            legal_rep_name: Set(c.legal_rep.0.into()),
            contact_phone: Set(format!("139{:08}", 23_000_000 + i * 1_234_567)),
            office_phone: Set(Some(format!("023-{}", 63_150_000 + i * 1_111))),
            website: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        org_ids.push(org.id);
    }
    let accounts = staff::add(&txn, staff_password).await?;
    let today = chrono::Utc::now().date_naive();
    let mut scanned = Vec::new();
    for (n, (ci, op, cert, delivery, years, target)) in APPLICATIONS.iter().enumerate() {
        let c = &COMPANIES[*ci];
        let now = chrono::Utc::now();
        let app = application::ActiveModel {
            order_number: Set(OrderNumber::generate(today).as_str().into()),
            organisation_id: Set(org_ids[*ci]),
            operation_type: Set(op.as_str().into()),
            certificate_type: Set(cert.as_str().into()),
            validity_years: Set(*years),
            delivery: Set(delivery.as_str().into()),
            state: Set(ApplicationState::Draft.as_str().into()),
            company_name: Set(c.name.into()),
            company_uscc: Set(uscc(c)?.as_str().into()),
            legal_rep_name: Set(c.legal_rep.0.into()),
            legal_rep_id_number: Set(resident_id(c.district, c.legal_rep.1, 11 + 2 * *ci as u32)?.as_str().into()),
            operator_name: Set(c.operator.0.into()),
            operator_id_number: Set(resident_id(c.district, c.operator.1, 24 + 2 * *ci as u32)?.as_str().into()),
            operator_mobile: Set(format!("1762309{:04}", 4000 + n)),
            operator_email: Set(format!("jbr{:02}@example.com", n + 1)),
            operator_wechat: Set(None),
            mailing_address: Set(c.address.into()),
            form_extra: Set(serde_json::json!({ "region": "重庆", "category": "政企采购", "project": "重庆市政府采购电子招投标系统" })),
            resubmissions: Set(0),
            version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if *target == ApplicationState::InReview && op.needs_documents() {
            // Reaches the queue the real way: scans uploaded, submitted, checked by the jobs.
            scanned.push((app, scans::PROBLEMS[scanned.len() % scans::PROBLEMS.len()]));
            continue;
        }
        for event in path_to(*target, op.needs_documents()) {
            apply_event_in(&txn, app.id, event, Actor::System, policy).await?;
        }
    }
    txn.commit().await?;
    for (app, problems) in &scanned {
        scans::upload_and_submit(db, blobs, settings, app, *problems).await?;
    }
    Ok(format!(
        "demo data loaded: {} organisations, {} applications ({} with scans being checked); staff accounts {} (password: {staff_password})",
        COMPANIES.len(),
        APPLICATIONS.len(),
        scanned.len(),
        accounts.join(", "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_in_the_demo() {
        for s in ApplicationState::ALL {
            assert!(APPLICATIONS.iter().any(|a| a.5 == *s), "{s} missing from demo");
        }
    }

    #[test]
    fn demo_numbers_are_valid() {
        for c in COMPANIES {
            uscc(c).unwrap();
            resident_id(c.district, c.legal_rep.1, 11).unwrap();
        }
    }
}
