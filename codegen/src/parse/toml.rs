//! The TOML front end: topology text → [`Topology`], every problem located by byte range.

use ::toml::de::DeTable;

use crate::diag::{Diagnostic, Diagnostics, TomlFile};
use crate::model::{
    Bridge, BridgeDecl, Choice, Delivery, EnumDecl, EventDecl, EventSource, FieldDecl, Key, Name, Overflow, Payload,
    Producers, Scope, Setting, Size, SubscriberDecl, Subscription, TopicDecl, Topology,
};
use crate::names::{check_identifier, describe_bad_name};

use super::toml_values::{
    COMPLEXITY, Value, boolean, choice, docs, each_entry, get, integer, invalid_toml, loc, names, string, too_complex,
    unknown_keys,
};

const TOP_LEVEL_KEYS: &[&str] = &["enums", "events", "topics", "subscribers", "bridges", "segment"];
const BRIDGE_KEYS: &[&str] = &["url"];
const SEGMENT_KEYS: &[&str] = &["mode"];
/// Keys of credentials and TLS material: never in a topology file (which is committed and
/// compiled into binaries); the bridge reads them from the environment or its builder.
const SECRET_KEYS: &[&str] =
    &["user", "username", "password", "pass", "token", "nkey", "creds", "credentials", "ca", "cert", "key", "tls"];
const ENUM_KEYS: &[&str] = &["repr", "variants", "doc"];
const EVENT_KEYS: &[&str] = &["fields", "rust", "doc"];
const TOPIC_KEYS: &[&str] =
    &["events", "capacity", "overflow", "producers", "delivery", "payload", "size", "scope", "bridge", "doc"];
const SUBSCRIBER_KEYS: &[&str] = &["topics", "events", "publishes", "optional", "doc"];

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
            "bridges" => {
                each_entry(value, "bridges", "[bridges.nats] or [bridges.redis]", &mut d, |name, table, d| {
                    topology.bridges.extend(bridge(name, table, d));
                });
            }
            "segment" => topology.segment_mode = segment(value, &mut d),
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
                    None => "; a topology has `[enums.*]`, `[events.*]`, `[topics.*]`, `[subscribers.*]` and `[bridges.*]` tables, and `[segment]`"
                        .to_owned(),
                };
                d.error(&key_loc, format!("unknown top-level key `{other}`{hint}"));
            }
        }
    }
    (Some(topology), d.into_vec())
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

/// `[events.Name]`: `fields` or `rust`.
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

/// `[topics.name]`: its events and settings.
fn topic(name: Name, table: &DeTable<'_>, d: &mut Diagnostics) -> TopicDecl {
    let owner = format!("topic `{}`", name.text);
    let mut malformed: Vec<Key> =
        unknown_keys(table, TOPIC_KEYS, &owner, d).into_iter().filter_map(Key::from_spelling).collect();
    let (events, events_loc) = match get(table, "events") {
        Some(value) => (
            names(value, "events", d).unwrap_or_else(|| {
                malformed.push(Key::Events);
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
            malformed.push(Key::Capacity);
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
    let scope = choice::<Scope>(table, owner, &mut malformed, d);
    // A misspelt engine is reported where it was written, and then not bridged at all.
    let bridge = get(table, Bridge::KEY)
        .map(|_| choice::<Bridge>(table, owner, &mut malformed, d))
        .filter(|_| !malformed.contains(&Key::Bridge));
    TopicDecl {
        docs,
        events,
        events_loc,
        capacity,
        overflow,
        producers,
        delivery,
        payload,
        size,
        scope,
        bridge,
        name,
        malformed,
    }
}

/// The environment variable(s) the bridge reads what `key` would have held from.
fn secret_variable(engine: Bridge, key: &str) -> String {
    let prefix = if engine == Bridge::Nats { "HARDWIRE_NATS" } else { "HARDWIRE_REDIS" };
    let suffix = match (engine, key) {
        (_, "user" | "username") => "USER",
        (Bridge::Nats, "token") => "TOKEN",
        (Bridge::Nats, "nkey") => "NKEY",
        (Bridge::Nats, "creds" | "credentials") => "CREDS",
        (_, "ca") => "CA",
        (_, "cert") => "CERT",
        (_, "key") => "KEY",
        (_, "tls") => return format!("`{prefix}_CA`, `{prefix}_CERT` and `{prefix}_KEY`"),
        _ => "PASSWORD",
    };
    format!("`{prefix}_{suffix}`")
}

/// `[bridges.nats]`: an engine's address; credentials are refused here.
fn bridge(name: Name, table: &DeTable<'_>, d: &mut Diagnostics) -> Option<BridgeDecl> {
    let engine = match crate::model::choose::<Bridge>(&name.text) {
        Ok(engine) => engine,
        Err(_) => {
            let hint = crate::names::suggestion(&name.text, ["nats", "redis"]);
            d.error(
                &name.loc,
                format!("unknown bridge `[bridges.{}]`: the engines are `nats` and `redis`{hint}", name.text),
            );
            return None;
        }
    };
    let owner = format!("`[bridges.{}]`", name.text);
    for key in table.keys() {
        let text = key.get_ref().as_ref();
        if SECRET_KEYS.contains(&text) {
            let variable = secret_variable(engine, text);
            d.error(
                &loc(key),
                format!("`{text}` does not belong in a topology file, which is committed and compiled into binaries; set {variable} in the environment, or pass it to the bridge's `Connect` at run time"),
            );
        } else if !BRIDGE_KEYS.contains(&text) {
            let hint = crate::names::suggestion(text, BRIDGE_KEYS.iter().copied());
            d.error(&loc(key), format!("unknown key `{text}` in {owner}; it has `url`{hint}"));
        }
    }
    let url = match get(table, "url") {
        Some(value) => string(value, "url", d).map(|text| Setting { value: text.to_owned(), loc: loc(value) }),
        None => {
            d.error(&name.loc, format!("{owner} needs the engine's address: `url = \"{}\"`", engine.example_url()));
            None
        }
    };
    Some(BridgeDecl { engine: Setting { value: engine, loc: name.loc }, url })
}

/// `[segment]`: the shared-memory segment's settings; `mode`, the permission bits it is
/// created with (checked by rule `segment_mode`).
fn segment(value: &Value<'_>, d: &mut Diagnostics) -> Option<Setting<i64>> {
    let Some(table) = value.get_ref().as_table() else {
        d.error(&loc(value), "`segment` is a table: `[segment]` with `mode = 0o660`");
        return None;
    };
    unknown_keys(table, SEGMENT_KEYS, "`[segment]`", d);
    let Some(mode) = get(table, "mode") else {
        d.error(&loc(value), "`[segment]` sets `mode`, the permission bits of the segment: `mode = 0o660`");
        return None;
    };
    integer(mode, "mode", d).map(|bits| Setting { value: bits, loc: loc(mode) })
}

/// `[subscribers.name]`: its topics, event filter, outputs and settings.
fn subscriber(name: Name, table: &DeTable<'_>, d: &mut Diagnostics) -> SubscriberDecl {
    let owner = format!("subscriber `{}`", name.text);
    let mut malformed: Vec<Key> =
        unknown_keys(table, SUBSCRIBER_KEYS, &owner, d).into_iter().filter_map(Key::from_spelling).collect();
    let (subscriptions, subscriptions_loc) = match get(table, "topics") {
        Some(value) => (
            names(value, "topics", d)
                .unwrap_or_else(|| {
                    malformed.push(Key::Topics);
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
