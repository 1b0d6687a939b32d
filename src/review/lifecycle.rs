//! The application lifecycle as an explicit state machine. Every state change in sealdesk goes
//! through [`ApplicationState::apply`]; anything it does not list is refused.
//!
//! ```text
//! draft → submitted → checking → in_review → approved | returned (retry) | rejected (final)
//! returned → resubmitted → checking → …
//! approved → paid → in_production → shipped | picked_up
//! submitted → in_review            (renewal of a still-valid certificate: no documents to check)
//! ```

use crate::domain::application::string_enum;
use crate::domain::{Delivery, OperationType};

string_enum! {
    ApplicationState {
        Draft => "draft", "草稿";
        Submitted => "submitted", "已提交";
        Checking => "checking", "自动检查中";
        InReview => "in_review", "待审核";
        Approved => "approved", "审核通过";
        Returned => "returned", "退回修改";
        Rejected => "rejected", "审核不通过";
        Resubmitted => "resubmitted", "已重新提交";
        Paid => "paid", "已支付";
        InProduction => "in_production", "制作中";
        Shipped => "shipped", "已邮寄";
        PickedUp => "picked_up", "已领取";
    }
}

string_enum! {
    /// What happened to an application.
    Event {
        Submit => "submit", "提交申请";
        StartChecks => "start_checks", "开始自动检查";
        SkipChecks => "skip_checks", "免资料，直接审核";
        ChecksDone => "checks_done", "自动检查完成";
        Approve => "approve", "审核通过";
        Return => "return", "退回修改";
        Reject => "reject", "审核不通过";
        Resubmit => "resubmit", "重新提交";
        Pay => "pay", "在线支付";
        StartProduction => "start_production", "开始制作";
        Ship => "ship", "顺丰寄出";
        PickUp => "pick_up", "现场领取";
    }
}

/// The facts about an application that decide which transitions it may take.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub operation: OperationType,
    pub delivery: Delivery,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("application in state {from} cannot take event {event}")]
pub struct TransitionError {
    pub from: ApplicationState,
    pub event: Event,
}

impl TransitionError {
    pub const CODE: &'static str = "application.invalid_transition";

    pub fn message_zh(&self) -> String {
        format!("申请当前状态为“{}”，不能执行“{}”", self.from.label_zh(), self.event.label_zh())
    }
}

impl ApplicationState {
    pub fn apply(self, event: Event, ctx: &Context) -> Result<Self, TransitionError> {
        use ApplicationState as S;
        use Event as E;
        let docs = ctx.operation.needs_documents();
        let next = match (self, event) {
            (S::Draft, E::Submit) => S::Submitted,
            (S::Submitted | S::Resubmitted, E::StartChecks) if docs => S::Checking,
            (S::Submitted, E::SkipChecks) if !docs => S::InReview,
            (S::Checking, E::ChecksDone) if docs => S::InReview,
            (S::InReview, E::Approve) => S::Approved,
            (S::InReview, E::Return) if docs => S::Returned,
            (S::InReview, E::Reject) => S::Rejected,
            (S::Returned, E::Resubmit) if docs => S::Resubmitted,
            (S::Approved, E::Pay) => S::Paid,
            (S::Paid, E::StartProduction) => S::InProduction,
            (S::InProduction, E::Ship) if ctx.delivery == Delivery::Courier => S::Shipped,
            (S::InProduction, E::PickUp) if ctx.delivery == Delivery::Pickup => S::PickedUp,
            (from, event) => return Err(TransitionError { from, event }),
        };
        Ok(next)
    }

    /// No event leads anywhere from here.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Rejected | Self::Shipped | Self::PickedUp)
    }

    /// Waiting for a reviewer.
    pub fn is_in_queue(self) -> bool {
        self == Self::InReview
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationState as S;
    use Event as E;

    const WITH_DOCS: Context = Context { operation: OperationType::New, delivery: Delivery::Courier };
    const NO_DOCS: Context = Context { operation: OperationType::RenewalValid, delivery: Delivery::Pickup };

    /// The whole allowed table, written out once by hand: (from, event, context) → to.
    fn allowed() -> Vec<(S, E, Context, S)> {
        vec![
            (S::Draft, E::Submit, WITH_DOCS, S::Submitted),
            (S::Draft, E::Submit, NO_DOCS, S::Submitted),
            (S::Submitted, E::StartChecks, WITH_DOCS, S::Checking),
            (S::Submitted, E::SkipChecks, NO_DOCS, S::InReview),
            (S::Resubmitted, E::StartChecks, WITH_DOCS, S::Checking),
            (S::Checking, E::ChecksDone, WITH_DOCS, S::InReview),
            (S::InReview, E::Approve, WITH_DOCS, S::Approved),
            (S::InReview, E::Approve, NO_DOCS, S::Approved),
            (S::InReview, E::Return, WITH_DOCS, S::Returned),
            (S::InReview, E::Reject, WITH_DOCS, S::Rejected),
            (S::InReview, E::Reject, NO_DOCS, S::Rejected),
            (S::Returned, E::Resubmit, WITH_DOCS, S::Resubmitted),
            (S::Approved, E::Pay, WITH_DOCS, S::Paid),
            (S::Approved, E::Pay, NO_DOCS, S::Paid),
            (S::Paid, E::StartProduction, WITH_DOCS, S::InProduction),
            (S::Paid, E::StartProduction, NO_DOCS, S::InProduction),
            (S::InProduction, E::Ship, WITH_DOCS, S::Shipped),
            (S::InProduction, E::PickUp, NO_DOCS, S::PickedUp),
        ]
    }

    #[test]
    fn every_allowed_transition_is_taken_and_every_other_refused() {
        let table = allowed();
        let mut taken = 0;
        for ctx in [WITH_DOCS, NO_DOCS] {
            for from in S::ALL {
                for event in E::ALL {
                    let expected = table
                        .iter()
                        .find(|(f, e, c, _)| f == from && e == event && c.operation == ctx.operation)
                        .map(|(_, _, _, to)| *to);
                    let got = from.apply(*event, &ctx);
                    match expected {
                        Some(to) => {
                            assert_eq!(got, Ok(to), "{from} --{event}--> ({:?})", ctx.operation);
                            taken += 1;
                        }
                        None => assert_eq!(
                            got,
                            Err(TransitionError { from: *from, event: *event }),
                            "{from} --{event}--> must be refused ({:?})",
                            ctx.operation
                        ),
                    }
                }
            }
        }
        assert_eq!(taken, table.len());
    }

    #[test]
    fn terminal_states_take_no_event_at_all() {
        for ctx in [WITH_DOCS, NO_DOCS] {
            for from in S::ALL.iter().filter(|s| s.is_terminal()) {
                assert!(E::ALL.iter().all(|e| from.apply(*e, &ctx).is_err()));
            }
        }
    }

    #[test]
    fn a_returned_application_goes_round_the_loop_again() {
        let mut s = S::Draft;
        for e in [
            E::Submit,
            E::StartChecks,
            E::ChecksDone,
            E::Return,
            E::Resubmit,
            E::StartChecks,
            E::ChecksDone,
            E::Approve,
        ] {
            s = s.apply(e, &WITH_DOCS).unwrap();
        }
        assert_eq!(s, S::Approved);
    }

    #[test]
    fn refusal_explains_itself_in_chinese() {
        let err = S::Draft.apply(E::Approve, &WITH_DOCS).unwrap_err();
        assert_eq!(err.message_zh(), "申请当前状态为“草稿”，不能执行“审核通过”");
    }
}
