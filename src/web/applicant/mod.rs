//! Pages for applicants (no staff sign-in): reached through the signed links in their messages.

pub mod order;
