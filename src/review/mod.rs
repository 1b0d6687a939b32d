//! The review workflow: the application lifecycle and the service that moves stored
//! applications through it.

pub mod lifecycle;
pub mod service;

pub use lifecycle::{ApplicationState, Context, Event, TransitionError};
pub use service::{ReviewError, apply_event, apply_event_in};
