//! The library behind hardwire's macros, and later its command-line tool: topology parsing
//! (Rust attributes and TOML files), validation, and code generation.
//!
//! One pipeline, two front ends:
//!
//! ```text
//! attribute tokens ─ parse::rust ─┐
//!                                 ├─ model::Topology ─ check ─ plan::Plan ─ emit ─ tokens
//! TOML text ───────── parse::toml ┘
//! ```
//!
//! Both front ends produce the same [`model::Topology`], so the Rust and TOML forms of one
//! topology generate identical code. Every problem is collected as a located [`Diagnostic`];
//! nothing here panics on any input. [`diagnostics`] lists every message the macros can
//! produce.
//!
//! The API is small: the macros' entry points ([`bus`], [`derive_event`],
//! [`derive_field_enum`]); for the command-line tool and the tests, checking a TOML file
//! ([`check_toml`], [`parse_and_validate`]) or the buses of a Rust file ([`rust_buses`]),
//! and expanding a checked [`plan::Plan`] ([`expand`], [`expand_toml`]). A plan and the
//! [`model`] types it holds describe a topology for `graph` and `footprint`; the stages
//! themselves (`parse`, `check`, `emit`, the derives) are private.

#![deny(unsafe_code)]
#![deny(missing_docs)]

mod check;
mod diag;
mod layout;
#[doc = include_str!("../DIAGNOSTICS.md")]
pub mod diagnostics {}
mod derive;
mod emit;
pub mod model;
mod names;
mod parse;
pub mod plan;
mod rust_layout;

use std::path::Path;

use proc_macro2::{Span, TokenStream};

use crate::diag::{Ctxt, to_compile_errors};
pub use crate::diag::{Diagnostic, Loc, TomlFile};
use crate::emit::Module;
use crate::plan::Plan;

/// The largest capacity a topic may have; a test holds it to the runtime's `MAX_CAPACITY`.
#[doc(hidden)]
pub const MAX_CAPACITY: u64 = check::MAX_CAPACITY;

/// Expands `#[derive(hardwire::Event)]`.
#[must_use]
pub fn derive_event(input: TokenStream) -> TokenStream {
    derive::derive(input)
}

/// The `repr` integers a field enum may have (`#[derive(FieldEnum)]`, TOML `[enums.Name]`
/// `repr`), which the runtime's sealed `EnumRepr` must match (a test holds them together).
#[doc(hidden)]
pub const FIELD_ENUM_REPRS: [&str; 3] = derive::field_enum::REPRS;

/// Expands `#[derive(hardwire::FieldEnum)]`.
#[must_use]
pub fn derive_field_enum(input: TokenStream) -> TokenStream {
    derive::field_enum::derive(input)
}

/// Expands `#[hardwire::bus]` / `#[hardwire::bus(topology = "file.toml")]` on a module.
///
/// `manifest_dir` is the crate's `CARGO_MANIFEST_DIR`, which topology paths are relative to.
/// Never panics: problems become `compile_error!`s at their places.
#[must_use]
pub fn bus(attr: TokenStream, item: TokenStream, manifest_dir: Option<&Path>) -> TokenStream {
    let args = match parse::rust::bus_args(attr) {
        Ok(args) => args,
        Err(diagnostics) => return to_compile_errors(&diagnostics, None),
    };
    let module = match parse::rust::module(item) {
        Ok(module) => module,
        Err(diagnostics) => return to_compile_errors(&diagnostics, None),
    };
    let expanded = match &args.topology {
        Some(path) => toml_form(path, &module, manifest_dir),
        None => rust_form(&module, args),
    };
    expanded.unwrap_or_else(|mut errors| {
        // The module still exists (empty), so that code using it reports no cascade of
        // `unresolved import`s on top of the topology's own errors.
        let syn::ItemMod { attrs, vis, ident, .. } = &module;
        errors.extend(quote::quote!(#(#attrs)* #vis mod #ident {}));
        errors
    })
}

fn module_info(module: &syn::ItemMod, items: Vec<syn::Item>, topology_file: Option<String>) -> Module {
    Module { attrs: module.attrs.clone(), vis: module.vis.clone(), ident: module.ident.clone(), items, topology_file }
}

/// Validates what parsed even when parsing found problems (already in `cx`), so that every
/// mistake is reported at once; returns the plan only if nothing at all was wrong.
fn validate(topology: &model::Topology, cx: &mut Ctxt<'_>, origin: &Loc) -> Option<Plan> {
    match check::check(topology, cx.file(), origin) {
        Ok(plan) => cx.is_clean().then_some(plan),
        Err(more) => {
            cx.extend(more);
            None
        }
    }
}

/// A Rust-form bus's expansion, or its problems as compile errors.
fn rust_form(module: &syn::ItemMod, args: parse::rust::BusArgs) -> Result<TokenStream, TokenStream> {
    let (mut topology, items, problems) = parse::rust::topology(module);
    args.settle(&mut topology);
    let mut cx = Ctxt::new(None);
    cx.extend(problems);
    let plan = validate(&topology, &mut cx, &Loc::Rust(module.ident.span())).ok_or_else(|| cx.to_compile_errors())?;
    Ok(emit::emit(&plan, &module_info(module, items, None)))
}

/// A TOML-form bus's expansion, or its problems as compile errors.
fn toml_form(
    path: &syn::LitStr,
    module: &syn::ItemMod,
    manifest_dir: Option<&Path>,
) -> Result<TokenStream, TokenStream> {
    let label = path.value();
    let unreadable = |message: String| {
        let file = TomlFile::from_text(&label, String::new(), path.span());
        to_compile_errors(&[Diagnostic::toml(0..0, message)], Some(&file))
    };
    let Some(dir) = manifest_dir else {
        return Err(unreadable(
            "cannot read topology file: CARGO_MANIFEST_DIR is not set (build with cargo)".to_owned(),
        ));
    };
    let bytes = std::fs::read(dir.join(&label)).map_err(|err| {
        unreadable(format!("cannot read topology file (path is relative to CARGO_MANIFEST_DIR): {}", io_message(&err)))
    })?;
    let file = TomlFile::new(&label, &bytes, path.span()).map_err(|failure| {
        let (file, problem) = *failure;
        to_compile_errors(&[problem], Some(&file))
    })?;
    let mut cx = Ctxt::new(Some(&file));
    let items = match parse::rust::passthrough(module, &label) {
        Ok(items) => items,
        Err(problems) => {
            cx.extend(problems);
            Vec::new()
        }
    };
    let plan = plan_file(&file, &mut cx).ok_or_else(|| cx.to_compile_errors())?;
    Ok(emit::emit(&plan, &module_info(module, items, Some(label))))
}

/// Parses and validates `file`, after the problems already in `cx` (found in the module the
/// attribute is on); the plan only if nothing at all was wrong.
fn plan_file(file: &TomlFile, cx: &mut Ctxt<'_>) -> Option<Plan> {
    let (topology, problems) = parse::toml::parse(file);
    cx.extend(problems);
    validate(&topology?, cx, &Loc::Toml(0..0))
}

/// An I/O error's description without the platform's error number.
fn io_message(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Parses and validates a topology file's bytes, outside any macro: the fuzz target and the
/// command-line tool call this. Every message starts with `label:LINE:COL:`.
///
/// # Errors
///
/// Every diagnostic, rendered.
pub fn parse_and_validate(label: &str, bytes: &[u8]) -> Result<Plan, Vec<String>> {
    check_toml(label, bytes).map(|(plan, _)| plan).map_err(|(problems, file)| {
        let mut cx = Ctxt::new(Some(&file));
        cx.extend(problems);
        cx.messages()
    })
}

/// [`parse_and_validate`], keeping the diagnostics' byte ranges and the file they point
/// into, for tools that show the source line (the command-line tool's `check`).
///
/// # Errors
///
/// Every diagnostic (each [`Loc::Toml`]), with the file as read.
pub fn check_toml(label: &str, bytes: &[u8]) -> Result<(Plan, TomlFile), (Vec<Diagnostic>, TomlFile)> {
    let file = TomlFile::new(label, bytes, Span::call_site()).map_err(|failure| {
        let (file, problem) = *failure;
        (vec![problem], file)
    })?;
    let mut cx = Ctxt::new(Some(&file));
    match plan_file(&file, &mut cx) {
        Some(plan) => Ok((plan, file)),
        None => {
            let problems = cx.into_problems();
            Err((problems, file))
        }
    }
}

/// A `#[hardwire::bus]` (or `#[event_bus]`) module found in Rust source by [`rust_buses`].
#[derive(Debug)]
pub struct RustBus {
    /// The module's name.
    pub module: String,
    /// What it declares.
    pub form: RustBusForm,
}

/// How a [`RustBus`] declares its topology.
#[derive(Debug)]
pub enum RustBusForm {
    /// `#[topic]`/`#[subscriber]` items in the module: the validated plan, or every problem
    /// rendered as `label:LINE:COL: message`.
    Items(Result<Plan, Vec<String>>),
    /// `topology = "<path>"`: a TOML file, relative to the crate's `Cargo.toml` directory.
    Topology(String),
}

/// Every bus module in Rust source `text` (nested modules included), outside any macro: the
/// command-line tool checks, draws, expands and sizes them as it does TOML files.
///
/// # Errors
///
/// `label:LINE:COL: message` if `text` is not valid Rust.
pub fn rust_buses(label: &str, text: &str) -> Result<Vec<RustBus>, String> {
    let file = syn::parse_file(text).map_err(|err| {
        let at = err.span().start();
        format!("{label}:{}:{}: not valid Rust: {err}", at.line, at.column + 1)
    })?;
    let mut found = Vec::new();
    collect_buses(label, &file.items, &mut found);
    // Sizes the file determines (for `footprint`): events that are types of this file.
    let layouts = rust_layout::layouts(&file);
    for bus in &mut found {
        let RustBusForm::Items(Ok(plan)) = &mut bus.form else { continue };
        for event in plan.events.iter_mut().filter(|event| event.fields.is_none() && event.wire_size.is_none()) {
            let name = event.ty.segments.last().map(|last| last.ident.to_string());
            event.wire_size = name.and_then(|name| layouts.get(&name)).map(|&(size, _)| size);
        }
    }
    Ok(found)
}

fn collect_buses(label: &str, items: &[syn::Item], found: &mut Vec<RustBus>) {
    for item in items {
        let syn::Item::Mod(module) = item else { continue };
        let attr = module.attrs.iter().find(|attr| {
            attr.path().segments.last().is_some_and(|last| last.ident == "bus" || last.ident == "event_bus")
        });
        match attr {
            Some(attr) => {
                found.push(RustBus { module: module.ident.to_string(), form: rust_bus_form(label, attr, module) })
            }
            None => {
                if let Some((_, nested)) = &module.content {
                    collect_buses(label, nested, found);
                }
            }
        }
    }
}

fn rust_bus_form(label: &str, attr: &syn::Attribute, module: &syn::ItemMod) -> RustBusForm {
    let render = |diagnostics: &[Diagnostic]| -> Vec<String> {
        diagnostics
            .iter()
            .map(|d| {
                let at = d.span(None).start();
                format!("{label}:{}:{}: {}", at.line, at.column + 1, d.message)
            })
            .collect()
    };
    let args = match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    match parse::rust::bus_args(args) {
        Err(diagnostics) => RustBusForm::Items(Err(render(&diagnostics))),
        Ok(args) => match args.topology {
            Some(path) => RustBusForm::Topology(path.value()),
            None => {
                let (mut topology, _, problems) = parse::rust::topology(module);
                args.settle(&mut topology);
                let mut cx = Ctxt::new(None);
                cx.extend(problems);
                let plan = validate(&topology, &mut cx, &Loc::Rust(module.ident.span()));
                RustBusForm::Items(plan.ok_or_else(|| render(&cx.into_problems())))
            }
        },
    }
}

/// The code a TOML topology generates for `pub mod <module> {}`, outside any macro (for
/// the command-line tool's `expand` and for tests).
///
/// # Errors
///
/// Every diagnostic, rendered; or one message if `module` is not a Rust identifier.
pub fn expand_toml(label: &str, bytes: &[u8], module: &str) -> Result<TokenStream, Vec<String>> {
    // The module name first: a bad one is reported without parsing the file.
    names::check_identifier(module).map_err(|why| vec![module_name_error(module, why)])?;
    let plan = parse_and_validate(label, bytes)?;
    Ok(emit_module(&plan, Some(label), module))
}

/// The code a checked plan generates as `pub mod <module>`: the expansion of
/// `#[hardwire::bus(topology = "<file>")] pub mod <module> {}` when `topology_file` is the
/// file it was read from ([`check_toml`]), or of a Rust-form bus ([`RustBusForm::Items`];
/// the module's own items, such as its `use`s, left out).
///
/// # Errors
///
/// A message if `module` is not a Rust identifier.
pub fn expand(plan: &Plan, topology_file: Option<&str>, module: &str) -> Result<TokenStream, String> {
    names::check_identifier(module).map_err(|why| module_name_error(module, why))?;
    Ok(emit_module(plan, topology_file, module))
}

/// `pub mod <module> {}` for `plan`, read from the topology file `label` if any; `module` is
/// a checked identifier.
fn emit_module(plan: &Plan, label: Option<&str>, module: &str) -> TokenStream {
    let module = Module {
        attrs: Vec::new(),
        vis: syn::parse_quote!(pub),
        ident: syn::Ident::new(module, Span::call_site()),
        items: Vec::new(),
        topology_file: label.map(str::to_owned),
    };
    emit::emit(plan, &module)
}

fn module_name_error(module: &str, why: names::BadName) -> String {
    format!("module name: {}", names::describe_bad_name(module, why))
}
