//! The catalogue: every fact about each data type of Microsoft Sentinel's "Amazon Web Services
//! S3" connector, defined once and shared by the generator (which builds the stacks) and the
//! simulator (which synthesises, delivers, reads and checks the logs).
//!
//! * [`DataType`]: the one list of data types. Its facts (slug, labels, Sentinel table, key
//!   layout, default names, how AWS delivers it, synthesis defaults) are an [`Entry`], one file
//!   per data type under `data_types/`. [`DataType::ALL`] is derived from the enum, and every
//!   per-type fact is a `match`, so a new variant that is forgotten anywhere is a compile error.
//! * [`tables`]: the Sentinel tables, their typed rows and column declarations.
//!
//! The catalogue holds names and shapes, never mapping code: the synthetic generator's oracle
//! and the connector's parser each map log fields to columns on their own, so the end-to-end
//! check compares two independent readings of each format.

mod data_types;
pub mod tables;
pub mod vpc;

pub use data_types::{parse_selection, DataType, Delivery, Entry, Group, UnknownDataType};
pub use tables::Table;
