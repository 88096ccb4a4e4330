//! Procedural macros for hardwire.
//!
//! Empty for now: `#[derive(Event)]` and `#[hardwire::bus]` arrive with the code-generation
//! work. The crate exists so the workspace layout matches the one users will see.
