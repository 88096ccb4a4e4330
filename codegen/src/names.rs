//! Names: Rust identifier rules, case conversion, and "did you mean" suggestions.

/// Every Rust keyword, strict, reserved and weak, plus the ones no generated item may take.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union",
];

/// Why a string is not usable as a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadName {
    /// The empty string.
    Empty,
    /// A character outside `[A-Za-z0-9_]`, or a leading digit.
    NotAnIdentifier,
    /// A Rust keyword.
    Keyword,
    /// `_` alone.
    Underscore,
}

/// Checks that `name` is a plain ASCII Rust identifier (no keyword, no `r#` form).
pub fn check_identifier(name: &str) -> Result<(), BadName> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err(BadName::Empty);
    };
    if !(first.is_ascii_alphabetic() || first == '_') || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(BadName::NotAnIdentifier);
    }
    if name == "_" {
        return Err(BadName::Underscore);
    }
    if KEYWORDS.contains(&name) {
        return Err(BadName::Keyword);
    }
    Ok(())
}

/// A message for a rejected name: "`market-data` is not a valid Rust identifier (…)".
pub fn describe_bad_name(name: &str, why: BadName) -> String {
    match why {
        BadName::Empty => "a name cannot be empty".to_owned(),
        BadName::NotAnIdentifier => format!(
            "`{name}` is not a valid Rust identifier: use ASCII letters, digits and `_`, not starting with a digit{}",
            suggest_identifier(name).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
        ),
        BadName::Keyword => format!("`{name}` is a Rust keyword and cannot name an item; rename it"),
        BadName::Underscore => "`_` cannot name an item".to_owned(),
    }
}

/// `market-data` → `market_data`, when that makes a valid identifier.
fn suggest_identifier(name: &str) -> Option<String> {
    let fixed: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    (fixed != name && check_identifier(&fixed).is_ok()).then_some(fixed)
}

/// `market_data` → `MarketData`; `TradeLog` stays `TradeLog`; `sensor_2d` → `Sensor2d`.
pub fn upper_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `MarketData` → `market_data`; `HTTPRequest` → `http_request`; `market_data` stays.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let after_lower = i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let acronym_end = i > 0
                && chars[i - 1].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(|next| next.is_ascii_lowercase());
            if (after_lower || acronym_end) && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// "; did you mean `x`?" or nothing.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

/// Levenshtein distance over characters, with case differences costing nothing extra
/// beyond one substitution.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous_diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous_diagonal + usize::from(ca != cb);
            previous_diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(check_identifier("market_data"), Ok(()));
        assert_eq!(check_identifier("_x1"), Ok(()));
        assert_eq!(check_identifier("market-data"), Err(BadName::NotAnIdentifier));
        assert_eq!(check_identifier("1st"), Err(BadName::NotAnIdentifier));
        assert_eq!(check_identifier("fn"), Err(BadName::Keyword));
        assert_eq!(check_identifier(""), Err(BadName::Empty));
        assert_eq!(check_identifier("_"), Err(BadName::Underscore));
        assert_eq!(check_identifier("r#type"), Err(BadName::NotAnIdentifier));
        assert_eq!(check_identifier("café"), Err(BadName::NotAnIdentifier));
        assert!(describe_bad_name("market-data", BadName::NotAnIdentifier).ends_with("did you mean `market_data`?"));
    }

    #[test]
    fn cases() {
        assert_eq!(upper_camel("market_data"), "MarketData");
        assert_eq!(upper_camel("TradeLog"), "TradeLog");
        assert_eq!(upper_camel("trade_log"), "TradeLog");
        assert_eq!(upper_camel("sensor_2d"), "Sensor2d");
        assert_eq!(snake("MarketData"), "market_data");
        assert_eq!(snake("HTTPRequest"), "http_request");
        assert_eq!(snake("Vec3"), "vec3");
        assert_eq!(snake("Sensor2D"), "sensor2_d");
        assert_eq!(snake("market_data"), "market_data");
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("capcity", ["capacity", "overflow"]), Some("capacity"));
        assert_eq!(did_you_mean("Quot", ["Quote", "Trade"]), Some("Quote"));
        assert_eq!(did_you_mean("zzz", ["capacity"]), None);
        assert_eq!(did_you_mean("topic", ["topics", "events"]), Some("topics"));
    }
}
