//! The first stage for photos: find the sheet of paper in the image and flatten it, so that
//! every check looks at the page alone (not the desk) at the paper's own resolution. A scan
//! whose page fills the image is left as it is. Pure: pixels in, pixels and corners out.

pub mod find;
pub mod flatten;
pub mod quad;

pub use find::{Found, Quad, Side};
