//! The review workflow: the application lifecycle and the service that moves stored
//! applications through it.

pub mod calendar;
pub mod case;
pub mod checks_done;
pub mod claim;
pub mod decide;
pub mod history;
pub mod lifecycle;
pub mod overrides;
pub mod queue;
pub mod reveal;
pub mod routing;
pub mod service;
pub mod stats;

pub use lifecycle::{ApplicationState, Context, Event, TransitionError};
pub use service::{ReviewError, apply_event, apply_event_in};
