//! The TOML front end: topology text → [`Topology`], every problem located by byte range.

use ::toml::Spanned;
use ::toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Diagnostics, Loc, TomlFile};
use crate::model::{
    Choice, Delivery, EnumDecl, EventDecl, EventSource, FieldDecl, Name, Overflow, Payload, Producers, Setting, Size,
    SubscriberDecl, Subscription, TopicDecl, Topology, choose,
};
use crate::names::{check_identifier, describe_bad_name};

const TOP_LEVEL_KEYS: &[&str] = &["enums", "events", "topics", "subscribers"];
const ENUM_KEYS: &[&str] = &["repr", "variants", "doc"];
const EVENT_KEYS: &[&str] = &["fields", "rust", "doc"];
const TOPIC_KEYS: &[&str] = &["events", "capacity", "overflow", "producers", "delivery", "payload", "size", "doc"];
const SUBSCRIBER_KEYS: &[&str] = &["topics", "events", "publishes", "optional", "doc"];

type Value<'i> = Spanned<DeValue<'i>>;

/// Parses a topology file: the topology built from every well-formed part (`None` if the
/// text is not valid TOML at all), and every problem found, each located in the file, so
/// validation can still report the problems of the parts that parsed.
#[must_use]
pub fn parse(file: &TomlFile) -> (Option<Topology>, Vec<Diagnostic>) {
    let root = match DeTable::parse(&file.text) {
        Ok(root) => root,
        Err(err) => return (None, vec![invalid_toml(file, &err)]),
    };
    let mut d = Diagnostics::default();
    let mut topology = Topology::default();
    for (key, value) in root.get_ref() {
        let key_loc = loc(key);
        match key.get_ref().as_ref() {
            "enums" => {
                let rejected = each_entry(value, "enums", "[enums.Name]", &mut d, |name, table, d| {
                    let text = name.text.clone();
                    match enumeration(name, table, d) {
                        Some(decl) => topology.enums.push(decl),
                        None => topology.rejected.push(text),
                    }
                });
                topology.rejected.extend(rejected);
            }
            "events" => {
                let rejected = each_entry(value, "events", "[events.Name]", &mut d, |name, table, d| {
                    let text = name.text.clone();
                    match event(name, table, d) {
                        Some(event) => topology.events.push(event),
                        None => topology.rejected.push(text),
                    }
                });
                topology.rejected.extend(rejected);
            }
            "topics" => {
                topology.declares_topics = true;
                let rejected = each_entry(value, "topics", "[topics.name]", &mut d, |name, table, d| {
                    topology.topics.push(topic(name, table, d));
                });
                topology.rejected.extend(rejected);
            }
            "subscribers" => {
                let rejected = each_entry(value, "subscribers", "[subscribers.name]", &mut d, |name, table, d| {
                    topology.subscribers.push(subscriber(name, table, d));
                });
                topology.rejected.extend(rejected);
            }
            other => {
                let hint = match crate::names::did_you_mean(other, TOP_LEVEL_KEYS.iter().copied()) {
                    Some(meant) => {
                        topology.declares_topics |= meant == "topics";
                        format!("; did you mean `{meant}`?")
                    }
                    None => "; a topology has `[enums.*]`, `[events.*]`, `[topics.*]` and `[subscribers.*]` tables"
                        .to_owned(),
                };
                d.error(&key_loc, format!("unknown top-level key `{other}`{hint}"));
            }
        }
    }
    (Some(topology), d.into_vec())
}

/// toml's own error, located, with the key named for duplicates.
fn invalid_toml(file: &TomlFile, err: &::toml::de::Error) -> Diagnostic {
    let range = err.span().unwrap_or(0..0);
    let mut message = err.message().trim().to_owned();
    if message == "duplicate key" {
        if let Some(key) = file.slice(range.clone()) {
            let line_start = file.text[..range.start].rfind('\n').map_or(0, |at| at + 1);
            let line = file.text[line_start..].lines().next().unwrap_or("").trim();
            message = if line.starts_with('[') {
                format!("`{line}` is defined twice; merge the two tables")
            } else {
                format!("duplicate key `{}`: each key may appear once", key.trim_matches('"'))
            };
        }
    }
    Diagnostic::toml(range, format!("invalid TOML: {message}"))
}

fn loc<T>(spanned: &Spanned<T>) -> Loc {
    Loc::Toml(spanned.span())
}

/// Calls `f` for each `[section.name]` table of a section, checking the name; returns the
/// names of the entries it rejected.
fn each_entry<'i>(
    section: &Value<'i>,
    what: &str,
    form: &str,
    d: &mut Diagnostics,
    mut f: impl FnMut(Name, &DeTable<'i>, &mut Diagnostics),
) -> Vec<String> {
    let mut rejected = Vec::new();
    let Some(table) = section.get_ref().as_table() else {
        d.error(
            &loc(section),
            format!("`{what}` must be a table of {form} tables, found {}", section.get_ref().type_str()),
        );
        return rejected;
    };
    for (key, value) in table {
        let name = Name { text: key.get_ref().to_string(), loc: loc(key) };
        if let Err(why) = check_identifier(&name.text) {
            d.error(&name.loc, describe_bad_name(&name.text, why));
            rejected.push(name.text);
            continue;
        }
        match value.get_ref().as_table() {
            Some(entry) => f(name, entry, d),
            None => {
                d.error(
                    &loc(value),
                    format!("`{what}.{}` must be a table ({form}), found {}", name.text, value.get_ref().type_str()),
                );
                rejected.push(name.text);
            }
        }
    }
    rejected
}

/// Reports keys of `table` not in `known`, with a suggestion; returns the known keys it
/// suggested (the user meant to write them, so they are not also missing).
fn unknown_keys(table: &DeTable<'_>, known: &[&'static str], owner: &str, d: &mut Diagnostics) -> Vec<&'static str> {
    let mut meant = Vec::new();
    for key in table.keys() {
        let text = key.get_ref().as_ref();
        if known.contains(&text) {
            continue;
        }
        let hint = match crate::names::did_you_mean(text, known.iter().copied()) {
            Some(suggested) => {
                meant.push(suggested);
                format!("; did you mean `{suggested}`?")
            }
            None => format!("; expected one of {}", list(known)),
        };
        d.error(&loc(key), format!("unknown key `{text}` in {owner}{hint}"));
    }
    meant
}

fn list(items: &[&str]) -> String {
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}

fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Value<'i>> {
    table.get(key)
}

fn string<'v>(value: &'v Value<'_>, key: &str, d: &mut Diagnostics) -> Option<&'v str> {
    let found = value.get_ref().as_str();
    if found.is_none() {
        d.error(&loc(value), format!("`{key}` must be a string, found {}", value.get_ref().type_str()));
    }
    found
}

/// An array of strings, each with its own location.
fn names(value: &Value<'_>, key: &str, d: &mut Diagnostics) -> Option<Vec<Name>> {
    let Some(array) = value.get_ref().as_array() else {
        d.error(
            &loc(value),
            format!(
                "`{key}` must be an array of strings, found {}; write `{key} = [\"...\"]`",
                value.get_ref().type_str()
            ),
        );
        return None;
    };
    let mut out = Vec::with_capacity(array.len());
    for element in array {
        match element.get_ref().as_str() {
            Some(text) => out.push(Name { text: text.to_owned(), loc: loc(element) }),
            None => d.error(
                &loc(element),
                format!("`{key}` must contain only strings, found {}", element.get_ref().type_str()),
            ),
        }
    }
    Some(out)
}

fn docs(table: &DeTable<'_>, d: &mut Diagnostics) -> Vec<String> {
    get(table, "doc")
        .and_then(|value| string(value, "doc", d))
        .map(|doc| doc.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// A TOML boolean, or a located error.
fn boolean(value: &Value<'_>, key: &str, d: &mut Diagnostics) -> Option<bool> {
    let found = value.get_ref().as_bool();
    if found.is_none() {
        d.error(
            &loc(value),
            format!("`{key}` must be a boolean, found {}; write `{key} = true`", value.get_ref().type_str()),
        );
    }
    found
}

/// A TOML integer as `i64`, or a located error.
fn integer(value: &Value<'_>, key: &str, d: &mut Diagnostics) -> Option<i64> {
    let Some(int) = value.get_ref().as_integer() else {
        d.error(&loc(value), format!("`{key}` must be an integer, found {}", value.get_ref().type_str()));
        return None;
    };
    let parsed = i128::from_str_radix(int.as_str(), int.radix()).ok().and_then(|v| i64::try_from(v).ok());
    if parsed.is_none() {
        d.error(&loc(value), format!("`{key}`: integer out of range (TOML integers are 64-bit signed)"));
    }
    parsed
}

/// `[enums.Name]`: `variants = ["A", "B"]` (numbered from 0) or `variants = { A = 1, B = 2 }`,
/// and `repr`.
fn enumeration(name: Name, table: &DeTable<'_>, d: &mut Diagnostics) -> Option<EnumDecl> {
    let owner = format!("enum `{}`", name.text);
    unknown_keys(table, ENUM_KEYS, &owner, d);
    let docs = docs(table, d);
    let repr = match get(table, "repr") {
        Some(value) => {
            let text = string(value, "repr", d)?;
            if !crate::derive::field_enum::REPRS.contains(&text) {
                d.error(
                    &loc(value),
                    format!("`repr` of {owner} must be one of \"u8\", \"u16\" or \"u32\", found \"{text}\""),
                );
                return None;
            }
            Setting { value: text.to_owned(), loc: loc(value) }
        }
        None => Setting { value: "u8".to_owned(), loc: name.loc.clone() },
    };
    let Some(value) = get(table, "variants") else {
        d.error(
            &name.loc,
            format!("{owner} needs its variants: `variants = [\"A\", \"B\"]` (numbered from 0) or `variants = {{ A = 1, B = 2 }}`"),
        );
        return None;
    };
    let mut variants = Vec::new();
    if let Some(table) = value.get_ref().as_table() {
        for (key, value) in table {
            let variant = Name { text: key.get_ref().to_string(), loc: loc(key) };
            let discriminant = integer(value, &format!("variant `{}`", variant.text), d)?;
            variants.push((variant, Some(Setting { value: discriminant, loc: loc(value) })));
        }
    } else if value.get_ref().as_array().is_some() {
        variants = names(value, "variants", d)?.into_iter().map(|variant| (variant, None)).collect();
    } else {
        d.error(
            &loc(value),
            format!(
                "`variants` of {owner} must be an array of names or a table of names and values, found {}; write `variants = [\"A\", \"B\"]` or `variants = {{ A = 1, B = 2 }}`",
                value.get_ref().type_str()
            ),
        );
        return None;
    }
    if variants.is_empty() {
        d.error(&loc(value), format!("{owner} has no variants; list at least one"));
        return None;
    }
    Some(EnumDecl { name, docs, repr, variants })
}

fn event(name: Name, table: &DeTable<'_>, d: &mut Diagnostics) -> Option<EventDecl> {
    let owner = format!("event `{}`", name.text);
    unknown_keys(table, EVENT_KEYS, &owner, d);
    let docs = docs(table, d);
    let source = match (get(table, "fields"), get(table, "rust")) {
        (Some(fields), None) => EventSource::Fields(self::fields(&name.text, fields, d)?),
        (None, Some(rust)) => {
            let text = string(rust, "rust", d)?;
            if too_complex(text) {
                d.error(
                    &loc(rust),
                    format!("`rust` must be the path of a Rust type, such as `crate::Trade`; this one is too complex ({COMPLEXITY})"),
                );
                return None;
            }
            match syn::parse_str::<syn::Path>(text) {
                Ok(path) => EventSource::Rust(path),
                Err(_) => {
                    d.error(
                        &loc(rust),
                        format!("`rust` must be the path of a Rust type, such as `crate::Trade`; found `{text}`"),
                    );
                    return None;
                }
            }
        }
        (Some(_), Some(_)) | (None, None) => {
            d.error(
                &name.loc,
                format!("{owner} must have exactly one of `fields` (declare it here) or `rust` (an existing type)"),
            );
            return None;
        }
    };
    Some(EventDecl { name, docs, source })
}

/// What [`too_complex`] refuses, for messages.
const COMPLEXITY: &str = "more than 256 characters, or more than 32 of `([{<&*-!`";

/// Whether a type or path written in the file is beyond any plausible event type. Such text
/// is refused before `syn` parses it: `syn` recurses once per nesting level, and a type
/// nested a few hundred levels deep (fuzzing found one) would overflow the compiler's stack
/// instead of giving an error.
fn too_complex(text: &str) -> bool {
    text.len() > 256 || text.chars().filter(|c| matches!(c, '(' | '[' | '{' | '<' | '&' | '*' | '-' | '!')).count() > 32
}

/// `fields = ["ts: u64", ...]`.
fn fields(event: &str, value: &Value<'_>, d: &mut Diagnostics) -> Option<Vec<FieldDecl>> {
    let Some(array) = value.get_ref().as_array() else {
        d.error(
            &loc(value),
            format!("`fields` must be an array of \"name: type\" strings, found {}", value.get_ref().type_str()),
        );
        return None;
    };
    let mut out: Vec<FieldDecl> = Vec::with_capacity(array.len());
    for element in array {
        let here = loc(element);
        let Some(spec) = element.get_ref().as_str() else {
            d.error(
                &here,
                format!("`fields` must contain \"name: type\" strings, found {}", element.get_ref().type_str()),
            );
            continue;
        };
        let Some((field, ty)) = spec.split_once(':') else {
            d.error(
                &here,
                format!("field `{spec}` of event `{event}` must be written \"name: type\", e.g. \"ts: u64\""),
            );
            continue;
        };
        let field = field.trim();
        if let Err(why) = check_identifier(field) {
            d.error(&here, format!("field of event `{event}`: {}", describe_bad_name(field, why)));
            continue;
        }
        if out.iter().any(|existing| existing.name.text == field) {
            d.error(&here, format!("duplicate field `{field}` in event `{event}`"));
            continue;
        }
        let written = ty.trim();
        if too_complex(written) {
            d.error(
                &here,
                format!("field `{field}` of event `{event}`: its type is too complex ({COMPLEXITY}); event fields are plain types such as `u64` or `[f32; 4]`"),
            );
            continue;
        }
        let ty = match syn::parse_str::<syn::Type>(written) {
            Ok(ty) => ty,
            Err(_) => {
                d.error(&here, format!("field `{field}` of event `{event}`: `{}` is not a Rust type", ty.trim()));
                continue;
            }
        };
        if let Some(problem) = crate::layout::pod_problem(&ty, written) {
            d.error(&here, format!("field `{field}` of event `{event}` {problem}"));
            continue;
        }
        out.push(FieldDecl { name: Name { text: field.to_owned(), loc: here.clone() }, ty, loc: here });
    }
    Some(out)
}

/// An enumerated string setting ([`Choice`]), or its default. A value that is not one of its
/// spellings is reported and its key added to `malformed`, so checks that need the setting
/// skip the owner rather than report a cascade.
fn choice<T: Choice>(
    table: &DeTable<'_>,
    owner: &Loc,
    malformed: &mut Vec<&'static str>,
    d: &mut Diagnostics,
) -> Setting<T> {
    let Some(value) = get(table, T::KEY) else {
        return Setting { value: T::default_value(), loc: owner.clone() };
    };
    let here = loc(value);
    let Some(text) = string(value, T::KEY, d) else {
        malformed.push(T::KEY);
        return Setting { value: T::default_value(), loc: here };
    };
    match choose::<T>(text) {
        Ok(chosen) => Setting { value: chosen, loc: here },
        Err(message) => {
            d.error(&here, message);
            malformed.push(T::KEY);
            Setting { value: T::default_value(), loc: here }
        }
    }
}

fn topic(name: Name, table: &DeTable<'_>, d: &mut Diagnostics) -> TopicDecl {
    let owner = format!("topic `{}`", name.text);
    let mut malformed = unknown_keys(table, TOPIC_KEYS, &owner, d);
    let (events, events_loc) = match get(table, "events") {
        Some(value) => (
            names(value, "events", d).unwrap_or_else(|| {
                malformed.push("events");
                Vec::new()
            }),
            loc(value),
        ),
        None => (Vec::new(), name.loc.clone()),
    };
    let capacity = get(table, "capacity").and_then(|value| {
        let here = loc(value);
        let capacity = integer(value, "capacity", d).map(|capacity| Setting { value: capacity, loc: here });
        if capacity.is_none() {
            malformed.push("capacity");
        }
        capacity
    });
    let owner = &name.loc;
    // Read in this order, which is the order their problems are reported in.
    let payload = choice::<Payload>(table, owner, &mut malformed, d);
    let size = get(table, Size::KEY).map(|_| choice::<Size>(table, owner, &mut malformed, d));
    let docs = docs(table, d);
    let overflow = choice::<Overflow>(table, owner, &mut malformed, d);
    let producers = choice::<Producers>(table, owner, &mut malformed, d);
    let delivery = choice::<Delivery>(table, owner, &mut malformed, d);
    TopicDecl { docs, events, events_loc, capacity, overflow, producers, delivery, payload, size, name, malformed }
}

fn subscriber(name: Name, table: &DeTable<'_>, d: &mut Diagnostics) -> SubscriberDecl {
    let owner = format!("subscriber `{}`", name.text);
    let mut malformed = unknown_keys(table, SUBSCRIBER_KEYS, &owner, d);
    let (subscriptions, subscriptions_loc) = match get(table, "topics") {
        Some(value) => (
            names(value, "topics", d)
                .unwrap_or_else(|| {
                    malformed.push("topics");
                    Vec::new()
                })
                .into_iter()
                .map(|topic| Subscription { topic, events: None })
                .collect(),
            loc(value),
        ),
        None => (Vec::new(), name.loc.clone()),
    };
    SubscriberDecl {
        docs: docs(table, d),
        subscriptions,
        subscriptions_loc,
        events: get(table, "events").and_then(|value| names(value, "events", d)),
        publishes: get(table, "publishes").and_then(|value| names(value, "publishes", d)).unwrap_or_default(),
        optional: get(table, "optional").and_then(|value| boolean(value, "optional", d)).unwrap_or(false),
        name,
        malformed,
    }
}
