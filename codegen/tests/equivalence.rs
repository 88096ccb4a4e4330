//! The Rust form and the TOML form of one topology generate identical code.
//!
//! Two differences are legitimate and removed before comparing: the TOML form's
//! `include_bytes!` of the topology file (it makes cargo rebuild when the file changes), and
//! the `file.toml:LINE:COL: ` prefix of the one compile-time assertion message that must
//! point into the file.

use quote::quote;

const TOML: &str = r#"
[events.Trade]
rust = "super::Trade"

[events.Quote]
rust = "super::Quote"

[events.Order]
rust = "super::Order"

[topics.market_data]
events = ["Trade", "Quote"]
capacity = 4096
overflow = "overwrite"
producers = "single"
delivery = "ring"

[topics.orders]
events = ["Order"]
capacity = 1024
overflow = "backpressure"
producers = "multi"

[topics.frame]
events = ["Trade"]
delivery = "inline"

[subscribers.strategy]
topics = ["market_data"]

[subscribers.trade_log]
topics = ["market_data"]
events = ["Trade"]

[subscribers.router]
topics = ["orders"]
publishes = ["market_data"]

[subscribers.render]
topics = ["frame"]
"#;

/// The expansion as text, without the TOML-only rebuild trigger and location prefixes.
fn normalized(tokens: proc_macro2::TokenStream) -> String {
    let mut file: syn::File = syn::parse2(tokens).expect("the expansion parses");
    for item in &mut file.items {
        if let syn::Item::Mod(module) = item {
            if let Some((_, items)) = &mut module.content {
                items.retain(
                    |item| !matches!(item, syn::Item::Const(c) if quote!(#c).to_string().contains("include_bytes")),
                );
            }
        }
    }
    strip_locations(&quote!(#file).to_string())
}

/// Removes every `"equivalence.toml:LINE:COL: ` message prefix.
fn strip_locations(text: &str) -> String {
    const PREFIX: &str = "\"equivalence.toml:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        out.push_str(&rest[..=at]); // keep the opening quote
        let after = &rest[at + PREFIX.len()..];
        let digits = after.find(|c: char| !(c.is_ascii_digit() || c == ':')).unwrap_or(after.len());
        rest = after[digits..].strip_prefix(' ').unwrap_or(&after[digits..]);
    }
    out.push_str(rest);
    out
}

#[test]
fn rust_and_toml_forms_generate_identical_code() {
    let rust = hardwire_codegen::bus(
        quote!(),
        quote! {
            pub mod market {
                #[topic(capacity = 4096, overflow = "overwrite", producers = "single", delivery = "ring")]
                pub struct MarketData(super::Trade, super::Quote);

                #[topic(capacity = 1024, overflow = "backpressure", producers = "multi")]
                pub struct Orders(super::Order);

                #[topic(delivery = "inline")]
                pub struct Frame(super::Trade);

                #[subscriber(MarketData)]
                pub trait Strategy {}

                #[subscriber(MarketData(Trade))]
                pub trait TradeLog {}

                #[subscriber(Orders, publishes = [MarketData])]
                pub trait Router {}

                #[subscriber(Frame)]
                pub trait Render {}
            }
        },
        None,
    );
    let toml = hardwire_codegen::expand_toml("equivalence.toml", TOML.as_bytes(), "market").expect("valid topology");
    let (rust, toml) = (normalized(rust), normalized(toml));
    assert!(!rust.contains("compile_error"), "{rust}");
    if rust != toml {
        let at = rust.chars().zip(toml.chars()).take_while(|(a, b)| a == b).count();
        let context = |text: &str| text.chars().skip(at.saturating_sub(150)).take(300).collect::<String>();
        panic!("the forms differ at character {at}:\n  rust: …{}…\n  toml: …{}…", context(&rust), context(&toml));
    }
}

#[test]
fn the_comparison_can_fail() {
    let other = TOML.replace("capacity = 4096", "capacity = 2048");
    let a = normalized(hardwire_codegen::expand_toml("equivalence.toml", TOML.as_bytes(), "market").unwrap());
    let b = normalized(hardwire_codegen::expand_toml("equivalence.toml", other.as_bytes(), "market").unwrap());
    assert_ne!(a, b);
}
