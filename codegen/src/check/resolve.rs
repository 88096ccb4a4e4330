//! Declarations resolved into the plan: enums (`enum_variants`), events and their fields
//! (laid out, and padded where `repr(C)` would pad).

use proc_macro2::Span;
use syn::Ident;

use super::ident;
use crate::diag::{Diagnostic, Diagnostics, Loc, TomlFile};
use crate::layout::layout;
use crate::model::{EnumDecl, EventDecl, EventSource, FieldDecl, Name};
use crate::names::snake;
use crate::plan;

/// Rule `enum_variants`: an `[enums.Name]`'s variants are named and numbered, each
/// discriminant in range and used once.
pub(super) fn resolve_enum(decl: &EnumDecl, d: &mut Diagnostics) -> plan::Enum {
    let name = &decl.name.text;
    let max = match decl.repr.value.as_str() {
        "u8" => i64::from(u8::MAX),
        "u16" => i64::from(u16::MAX),
        _ => i64::from(u32::MAX),
    };
    let mut variants: Vec<(Ident, u32)> = Vec::with_capacity(decl.variants.len());
    let mut seen: Vec<(&str, i64)> = Vec::with_capacity(decl.variants.len());
    for (index, (variant, value)) in decl.variants.iter().enumerate() {
        if let Err(why) = crate::names::check_identifier(&variant.text) {
            d.error(
                &variant.loc,
                format!("variant of enum `{name}`: {}", crate::names::describe_bad_name(&variant.text, why)),
            );
            continue;
        }
        if seen.iter().any(|(other, _)| *other == variant.text) {
            d.error(&variant.loc, format!("variant `{}` is listed twice in enum `{name}`", variant.text));
            continue;
        }
        let (discriminant, loc) = match value {
            Some(setting) => (setting.value, &setting.loc),
            None => (i64::try_from(index).unwrap_or(i64::MAX), &variant.loc),
        };
        if !(0..=max).contains(&discriminant) {
            d.error(
                loc,
                format!(
                    "variant `{}` of enum `{name}` has value {discriminant}, outside `{}` (0..={max}); change the value or widen `repr`",
                    variant.text, decl.repr.value
                ),
            );
            continue;
        }
        if let Some((other, _)) = seen.iter().find(|(_, used)| *used == discriminant) {
            d.error(
                loc,
                format!("variants `{other}` and `{}` of enum `{name}` have the same value {discriminant}; give each its own", variant.text),
            );
            continue;
        }
        seen.push((&variant.text, discriminant));
        variants.push((ident(&variant.text), u32::try_from(discriminant).unwrap_or(u32::MAX)));
    }
    plan::Enum { name: ident(name), docs: decl.docs.clone(), repr: ident(&decl.repr.value), variants }
}

/// The topology's enum a field type names (a bare name such as `Side`), if any.
fn enum_of<'e>(ty: &syn::Type, enums: &'e [plan::Enum]) -> Option<&'e plan::Enum> {
    let syn::Type::Path(path) = ty else { return None };
    let name = path.path.get_ident()?;
    enums.iter().find(|e| e.name == *name)
}

/// Size and alignment of a field type: [`layout`], or the topology's enum's integer.
fn field_layout(ty: &syn::Type, enums: &[plan::Enum]) -> Option<(usize, usize)> {
    layout(ty).or_else(|| enum_of(ty, enums).map(|e| (e.size(), e.size())))
}

/// An event declaration resolved: its type path, and (declared in TOML) its fields, laid
/// out and padded.
pub(super) fn resolve_event(
    event: &EventDecl,
    enums: &[plan::Enum],
    file: Option<&TomlFile>,
    d: &mut Diagnostics,
) -> plan::Event {
    let name = &event.name.text;
    let (check_span, from_toml) = match &event.name.loc {
        Loc::Rust(span) => (*span, false),
        Loc::Toml(_) => (file.map_or_else(Span::call_site, |f| f.anchor), true),
    };
    let place = |span_of: Span| if from_toml { Some(span_of) } else { None };
    // Types written in TOML point at the `topology = "..."` literal, so that what only
    // rustc can check (a `rust` type that is not an event, a field type that is not Pod)
    // is reported there rather than at the whole attribute.
    let (ty, fields) = match &event.source {
        EventSource::Rust(path) => (respan(path, place(check_span)), None),
        EventSource::Fields(fields) => {
            let fields = pad_fields(name, fields, enums, d)
                .into_iter()
                .map(|(field, padding)| plan::Field {
                    name: ident(&field.name.text),
                    ty: respan(&field.ty, place(check_span)),
                    padding,
                    enumeration: enum_of(&field.ty, enums).is_some(),
                    layout: field_layout(&field.ty, enums),
                    origin: if padding { String::new() } else { origin(&field.loc, file) },
                })
                .collect();
            (syn::Path::from(ident(name)), Some(fields))
        }
    };
    plan::Event {
        name: name.clone(),
        ty,
        method: ident(&format!("on_{}", snake(name))),
        docs: event.docs.clone(),
        fields,
        wire_size: None,
        check_span,
        origin: origin(&event.name.loc, file),
    }
}

/// `file.toml:LINE:COL: ` for a TOML location, empty for a Rust one.
pub(super) fn origin(loc: &Loc, file: Option<&TomlFile>) -> String {
    match (loc, file) {
        (Loc::Toml(_), Some(file)) => Diagnostic { loc: loc.clone(), message: String::new() }.render(Some(file)),
        _ => String::new(),
    }
}

/// A declared event's fields with explicit padding inserted wherever its `repr(C)` layout
/// would have implicit padding (after a field, and at the end), so that the struct is Pod
/// as declared: `_pad_after_<field>: [u8; N]` and `_pad_end: [u8; N]`, marked `true`. Only
/// where every field's layout is known ([`field_layout`]); otherwise the fields are returned as
/// they are, and the derive's compile-time padding check speaks instead.
fn pad_fields(event: &str, fields: &[FieldDecl], enums: &[plan::Enum], d: &mut Diagnostics) -> Vec<(FieldDecl, bool)> {
    let mut out: Vec<(FieldDecl, bool)> = Vec::with_capacity(fields.len());
    let Some(layouts) = fields.iter().map(|f| field_layout(&f.ty, enums)).collect::<Option<Vec<_>>>() else {
        return fields.iter().map(|f| (f.clone(), false)).collect();
    };
    let pad = |after: &FieldDecl, name: String, bytes: usize| {
        let ty: syn::Type = syn::parse_quote!([u8; #bytes]);
        (FieldDecl { name: Name { text: name, loc: after.loc.clone() }, ty, loc: after.loc.clone() }, true)
    };
    let (mut offset, mut struct_align) = (0usize, 1usize);
    for (field, &(size, align)) in fields.iter().zip(&layouts) {
        let aligned = offset.next_multiple_of(align);
        if let Some((previous, _)) = out.last().filter(|_| aligned > offset) {
            let previous = previous.clone();
            out.push(pad(&previous, format!("_pad_after_{}", previous.name.text), aligned - offset));
        }
        out.push((field.clone(), false));
        offset = aligned + size;
        struct_align = struct_align.max(align);
    }
    let end = offset.next_multiple_of(struct_align);
    if let Some((last, _)) = out.last().filter(|_| end > offset) {
        let last = last.clone();
        out.push(pad(&last, "_pad_end".to_owned(), end - offset));
    }
    for (inserted, _) in out.iter().filter(|(_, padding)| *padding) {
        if let Some(clash) = fields.iter().find(|f| f.name.text == inserted.name.text) {
            d.error(
                &clash.loc,
                format!(
                    "event `{event}`: the field name `{}` is the one hardwire gives the padding it inserts there; rename the field",
                    clash.name.text
                ),
            );
        }
    }
    out
}

/// `node` with every token located at `span`, if given (TOML-written types, whose tokens were
/// parsed from strings); Rust-form tokens keep their own spans. Located, not placed: the
/// tokens keep the macro call's hygiene and only take `span`'s position. Tokens of a real
/// source span, copied into every generated use of the type, made rustc's type and borrow
/// checks of a 400-topic bus 20× slower (`-Z time-passes`); the checks that must point at
/// the `topology = ".."` literal place their own copy there (`emit::located_check`).
fn respan<T: syn::parse::Parse + quote::ToTokens + Clone>(node: &T, span: Option<Span>) -> T {
    let Some(span) = span else {
        return node.clone();
    };
    let located = crate::diag::respanned(node.to_token_stream(), Span::call_site().located_at(span));
    // Re-parsing a node's own tokens cannot fail; if it somehow did, the original spans do.
    syn::parse2(located).unwrap_or_else(|_| node.clone())
}
