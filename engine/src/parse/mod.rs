//! Reading one cell's text as a typed value: numbers in every common
//! notation, dates and times, booleans, placeholders for missing values,
//! emails, URLs and phone numbers.
//!
//! Parsers here look at a single cell and report *every* reading it allows
//! (a `1,234` is 1234 in one locale and 1.234 in another). Deciding between
//! readings is the column's job (see `crate::infer`): evidence from the
//! unambiguous cells settles the ambiguous ones.

pub mod case;
pub mod date;
pub mod number;
pub mod text;

pub use case::{TextCase, case_of, title_case, to_case};
pub use date::{DateOrder, DateToken, TemporalKind, parse_date};
pub use number::{NumberLocale, NumberToken, parse_number};
pub use text::{Placeholder, is_email, is_phone, is_url, parse_bool, placeholder_kind};
