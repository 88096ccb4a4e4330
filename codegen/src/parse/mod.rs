//! The two front ends: Rust attributes and TOML topology files.

pub mod rust;
mod rust_decls;
pub mod toml;
mod toml_values;
