//! The two front ends: Rust attributes and TOML topology files.

pub mod rust;
pub mod toml;
