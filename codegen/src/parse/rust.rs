//! The Rust front end: `#[hardwire::bus] mod name { #[topic(..)] struct ..; #[subscriber(..)]
//! trait .. {} }` → [`Topology`], plus the module's other items, passed through untouched.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Item, ItemMod, LitStr};

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::model::{Bridge, BridgeDecl, Choice, Name, Setting, Topology, choose};
use crate::names::suggestion;

use super::rust_decls::{skip_value, subscriber, topic};

const BUS_ARGS: &[&str] = &["topology", "nats", "redis", "segment_mode"];

/// The arguments of `#[hardwire::bus(..)]`.
#[derive(Clone, Debug, Default)]
pub struct BusArgs {
    /// `topology = "path.toml"`, relative to `CARGO_MANIFEST_DIR`.
    pub topology: Option<LitStr>,
    /// `nats = "nats://.."`, `redis = "redis://.."`: the engines bridged topics use.
    pub bridges: Vec<BridgeDecl>,
    /// `segment_mode = 0o660`: the shared-memory segment's permission bits.
    pub segment_mode: Option<Setting<i64>>,
}

impl BusArgs {
    /// Gives a Rust-form topology what the bus's own arguments declare: the engines'
    /// addresses and the segment's mode.
    pub fn settle(self, topology: &mut Topology) {
        (topology.bridges, topology.segment_mode) = (self.bridges, self.segment_mode);
    }
}

/// Parses `#[hardwire::bus]`, `#[hardwire::bus(topology = "...")]`, and the engines'
/// addresses `nats = ".."` / `redis = ".."`.
///
/// # Errors
///
/// A located diagnostic for an unknown or malformed argument.
pub fn bus_args(attr: TokenStream) -> Result<BusArgs, Vec<Diagnostic>> {
    let mut args = BusArgs::default();
    let mut d = Diagnostics::default();
    let parser = syn::meta::parser(|meta| {
        let key = path_text(&meta.path);
        if key == "topology" {
            args.topology = Some(meta.value()?.parse()?);
        } else if key == "segment_mode" {
            let bits: syn::LitInt = meta.value()?.parse()?;
            let loc = rust_loc(bits.span());
            match bits.base10_parse::<i64>() {
                Ok(value) => args.segment_mode = Some(Setting { value, loc }),
                Err(err) => d.error(&loc, format!("`segment_mode` is an integer such as `0o660`: {err}")),
            }
        } else if let Ok(engine) = choose::<Bridge>(&key) {
            let url: LitStr = meta.value()?.parse()?;
            let loc = rust_loc(meta.path.span());
            if args.bridges.iter().any(|bridge| bridge.engine.value == engine) {
                d.error(&loc, format!("`{key}` is given twice; give each engine's address once"));
            }
            args.bridges.push(BridgeDecl {
                engine: Setting { value: engine, loc },
                url: Some(Setting { value: url.value(), loc: rust_loc(url.span()) }),
            });
        } else {
            let hint = match suggestion(&key, BUS_ARGS.iter().copied()) {
                s if s.is_empty() => "; use `#[hardwire::bus]` with #[topic]/#[subscriber] items, or `#[hardwire::bus(topology = \"file.toml\")]`".to_owned(),
                s => s,
            };
            d.push(Diagnostic::rust(meta.path.span(), format!("unknown argument `{key}` to #[hardwire::bus]{hint}")));
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(err) = parser.parse2(attr) {
        d.push(Diagnostic::rust(err.span(), err.to_string()));
    }
    if let (Some(file), Some(mode)) = (&args.topology, &args.segment_mode) {
        d.error(
            &mode.loc,
            format!(
                "this bus reads its topology from `{}`; set the mode there: `[segment] mode = 0o{:o}`",
                file.value(),
                mode.value
            ),
        );
    }
    if let (Some(file), Some(bridge)) = (&args.topology, args.bridges.first()) {
        let engine = bridge.engine.value.spelling();
        d.error(
            &bridge.engine.loc,
            format!(
                "this bus reads its topology from `{}`; declare the engine there: `[bridges.{engine}] url = \"..\"`",
                file.value()
            ),
        );
    }
    d.finish(args)
}

/// The module the attribute is on.
///
/// # Errors
///
/// When the item is not an inline module (`mod name { .. }`).
pub fn module(item: TokenStream) -> Result<ItemMod, Vec<Diagnostic>> {
    let module: ItemMod = match syn::parse2::<Item>(item) {
        Ok(Item::Mod(module)) => module,
        Ok(other) => {
            return Err(vec![Diagnostic::rust(
                other.span(),
                "#[hardwire::bus] goes on a module: `pub mod name { .. }` (or `pub mod name {}` with a topology file)",
            )]);
        }
        Err(err) => return Err(vec![Diagnostic::rust(err.span(), err.to_string())]),
    };
    if module.content.is_none() {
        return Err(vec![Diagnostic::rust(
            module.span(),
            format!(
                "#[hardwire::bus] needs an inline module body: write `mod {} {{ .. }}`, not `mod {};`",
                module.ident, module.ident
            ),
        )]);
    }
    Ok(module)
}

/// The Rust-form topology of `module` (every well-formed part of it), the items it does
/// not consume, and every problem with its `#[topic]`/`#[subscriber]` items.
#[must_use]
pub fn topology(module: &ItemMod) -> (Topology, Vec<Item>, Vec<Diagnostic>) {
    let mut d = Diagnostics::default();
    let mut topology = Topology::default();
    let mut passthrough = Vec::new();
    for item in module.content.iter().flat_map(|(_, items)| items) {
        match item {
            Item::Struct(item) if has_attr(&item.attrs, "topic") => {
                topology.declares_topics = true;
                match topic(item, &mut topology.events, &mut d) {
                    Some(topic) => topology.topics.push(topic),
                    None => topology.rejected.push(item.ident.to_string()),
                }
            }
            Item::Trait(item) if has_attr(&item.attrs, "subscriber") => {
                if let Some(subscriber) = subscriber(item, &mut d) {
                    topology.subscribers.push(subscriber);
                }
            }
            other => {
                for attr in item_attrs(other) {
                    if attr.path().is_ident("topic") || attr.path().is_ident("subscriber") {
                        d.push(Diagnostic::rust(
                            attr.span(),
                            format!(
                                "#[{}] goes on a {}",
                                path_text(attr.path()),
                                if attr.path().is_ident("topic") {
                                    "tuple struct listing the topic's events: `struct MarketData(Trade, Quote);`"
                                } else {
                                    "trait with an empty body: `trait Strategy {}`"
                                }
                            ),
                        ));
                    }
                }
                passthrough.push(other.clone());
            }
        }
    }
    (topology, passthrough, d.into_vec())
}

/// The items of a topology-file bus module, which must not declare topics itself.
///
/// # Errors
///
/// For each `#[topic]`/`#[subscriber]` item.
pub fn passthrough(module: &ItemMod, file: &str) -> Result<Vec<Item>, Vec<Diagnostic>> {
    let mut d = Diagnostics::default();
    let items: Vec<Item> = module.content.iter().flat_map(|(_, items)| items.clone()).collect();
    for item in &items {
        for attr in item_attrs(item) {
            if attr.path().is_ident("topic") || attr.path().is_ident("subscriber") {
                d.push(Diagnostic::rust(
                    attr.span(),
                    format!("this bus reads its topology from `{file}`; declare topics and subscribers there, not with #[{}]", path_text(attr.path())),
                ));
            }
        }
    }
    d.finish(items)
}

/// Documentation lines of `///` comments.
pub fn doc_lines(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect()
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

pub(super) fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|attr| attr.path().is_ident(name))
}

pub(super) fn path_text(path: &syn::Path) -> String {
    path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}

pub(super) fn name(ident: &Ident) -> Name {
    Name { text: ident.to_string(), loc: Loc::Rust(ident.span()) }
}

pub(super) fn rust_loc(span: Span) -> Loc {
    Loc::Rust(span)
}
