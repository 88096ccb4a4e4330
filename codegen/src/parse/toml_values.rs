//! Reading TOML values: each reader reports a value of the wrong shape where it was
//! written, and the declarations in `toml.rs` are built from what they return.

use ::toml::Spanned;
use ::toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Diagnostics, Loc, TomlFile};
use crate::model::{Choice, Key, Name, Setting, choose};
use crate::names::{check_identifier, describe_bad_name};

pub(super) type Value<'i> = Spanned<DeValue<'i>>;

/// toml's own error, located, with the key named for duplicates.
pub(super) fn invalid_toml(file: &TomlFile, err: &::toml::de::Error) -> Diagnostic {
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

pub(super) fn loc<T>(spanned: &Spanned<T>) -> Loc {
    Loc::Toml(spanned.span())
}

/// Calls `f` for each `[section.name]` table of a section, checking the name; returns the
/// names of the entries it rejected.
pub(super) fn each_entry<'i>(
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
pub(super) fn unknown_keys(
    table: &DeTable<'_>,
    known: &[&'static str],
    owner: &str,
    d: &mut Diagnostics,
) -> Vec<&'static str> {
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

pub(super) fn list(items: &[&str]) -> String {
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}

pub(super) fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Value<'i>> {
    table.get(key)
}

pub(super) fn string<'v>(value: &'v Value<'_>, key: &str, d: &mut Diagnostics) -> Option<&'v str> {
    let found = value.get_ref().as_str();
    if found.is_none() {
        d.error(&loc(value), format!("`{key}` must be a string, found {}", value.get_ref().type_str()));
    }
    found
}

/// An array of strings, each with its own location.
pub(super) fn names(value: &Value<'_>, key: &str, d: &mut Diagnostics) -> Option<Vec<Name>> {
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

pub(super) fn docs(table: &DeTable<'_>, d: &mut Diagnostics) -> Vec<String> {
    get(table, "doc")
        .and_then(|value| string(value, "doc", d))
        .map(|doc| doc.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// A TOML boolean, or a located error.
pub(super) fn boolean(value: &Value<'_>, key: &str, d: &mut Diagnostics) -> Option<bool> {
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
pub(super) fn integer(value: &Value<'_>, key: &str, d: &mut Diagnostics) -> Option<i64> {
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

/// What [`too_complex`] refuses, for messages.
pub(super) const COMPLEXITY: &str = "more than 256 characters, or more than 32 of `([{<&*-!`";

/// Whether a type or path written in the file is beyond any plausible event type. Such text
/// is refused before `syn` parses it: `syn` recurses once per nesting level, and a type
/// nested a few hundred levels deep (fuzzing found one) would overflow the compiler's stack
/// instead of giving an error.
pub(super) fn too_complex(text: &str) -> bool {
    text.len() > 256 || text.chars().filter(|c| matches!(c, '(' | '[' | '{' | '<' | '&' | '*' | '-' | '!')).count() > 32
}

/// An enumerated string setting ([`Choice`]), or its default. A value that is not one of its
/// spellings is reported and its key added to `malformed`, so checks that need the setting
/// skip the owner rather than report a cascade.
pub(super) fn choice<T: Choice>(
    table: &DeTable<'_>,
    owner: &Loc,
    malformed: &mut Vec<Key>,
    d: &mut Diagnostics,
) -> Setting<T> {
    let Some(value) = get(table, T::KEY) else {
        return Setting { value: T::default_value(), loc: owner.clone() };
    };
    let here = loc(value);
    let Some(text) = string(value, T::KEY, d) else {
        malformed.extend(Key::from_spelling(T::KEY));
        return Setting { value: T::default_value(), loc: here };
    };
    match choose::<T>(text) {
        Ok(chosen) => Setting { value: chosen, loc: here },
        Err(message) => {
            d.error(&here, message);
            malformed.extend(Key::from_spelling(T::KEY));
            Setting { value: T::default_value(), loc: here }
        }
    }
}
