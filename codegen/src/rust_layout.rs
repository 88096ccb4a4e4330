//! Sizes of the events a Rust source file declares, where the file alone determines them:
//! what `hardwire footprint` prints for a Rust-form bus instead of `?`.
//!
//! The derives fix the layout: `#[derive(Event)]` structs are `repr(C)` (or
//! `repr(transparent)`), enum events are a `u32` tag, 4 reserved bytes and the largest
//! variant body in whole words, `#[derive(FieldEnum)]` enums are their `repr` integer. A
//! field type is known if it is a primitive, an array of known types, or a type of this file
//! whose layout is known. A name declared twice in the file is ambiguous and stays unknown.

use std::collections::HashMap;

/// Size and alignment of every event and field enum of `file` whose layout the file
/// determines, by type name.
pub(crate) fn layouts(file: &syn::File) -> HashMap<String, (usize, usize)> {
    let mut items: Vec<&syn::Item> = Vec::new();
    collect(&file.items, &mut items);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for item in &items {
        if let Some(name) = derived_name(item) {
            *counts.entry(name).or_default() += 1;
        }
    }
    let mut known: HashMap<String, (usize, usize)> = HashMap::new();
    // Each pass can resolve types whose fields were resolved by the previous one.
    for _ in 0..=items.len() {
        let before = known.len();
        for item in &items {
            let Some(name) = derived_name(item) else { continue };
            if counts.get(&name) != Some(&1) || known.contains_key(&name) {
                continue;
            }
            if let Some(layout) = item_layout(item, &known) {
                known.insert(name, layout);
            }
        }
        if known.len() == before {
            break;
        }
    }
    known
}

/// Every item, nested modules included.
fn collect<'f>(items: &'f [syn::Item], out: &mut Vec<&'f syn::Item>) {
    for item in items {
        if let syn::Item::Mod(module) = item {
            if let Some((_, nested)) = &module.content {
                collect(nested, out);
            }
        }
        out.push(item);
    }
}

/// Whether `attrs` derive `name` (`Event`, `hardwire::Event`, ...).
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().filter(|attr| attr.path().is_ident("derive")).any(|attr| {
        let mut found = false;
        let _ = attr.parse_nested_meta(|meta| {
            found |= meta.path.segments.last().is_some_and(|last| last.ident == name);
            Ok(())
        });
        found
    })
}

/// The name of an item deriving `Event` or `FieldEnum`.
fn derived_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) if derives(&s.attrs, "Event") => Some(s.ident.to_string()),
        syn::Item::Enum(e) if derives(&e.attrs, "Event") || derives(&e.attrs, "FieldEnum") => Some(e.ident.to_string()),
        _ => None,
    }
}

/// The `repr` idents of `attrs`.
fn reprs(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("repr")) {
        let _ = attr.parse_nested_meta(|meta| {
            if let Some(ident) = meta.path.get_ident() {
                out.push(ident.to_string());
            }
            if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    out
}

fn item_layout(item: &syn::Item, known: &HashMap<String, (usize, usize)>) -> Option<(usize, usize)> {
    match item {
        syn::Item::Struct(s) => {
            let reprs = reprs(&s.attrs);
            if !reprs.iter().any(|r| r == "C" || r == "transparent")
                || reprs.iter().any(|r| r == "packed" || r == "align")
            {
                return None;
            }
            repr_c(&s.fields, known)
        }
        syn::Item::Enum(e) if derives(&e.attrs, "FieldEnum") => {
            let size = match reprs(&e.attrs)
                .iter()
                .find_map(|r| crate::derive::field_enum::REPRS.iter().position(|x| x == r))?
            {
                0 => 1,
                1 => 2,
                _ => 4,
            };
            Some((size, size))
        }
        syn::Item::Enum(e) => {
            let mut largest = 0;
            for variant in &e.variants {
                let body = match &variant.fields {
                    syn::Fields::Unit => 0,
                    syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                        field_layout(&fields.unnamed[0].ty, known)?.0
                    }
                    syn::Fields::Named(_) => repr_c(&variant.fields, known)?.0,
                    syn::Fields::Unnamed(_) => return None,
                };
                largest = largest.max(body);
            }
            Some((8 + largest.div_ceil(8) * 8, 8))
        }
        _ => None,
    }
}

/// The `repr(C)` layout of `fields`: each at the next multiple of its alignment, the size
/// rounded up to the largest alignment.
fn repr_c(fields: &syn::Fields, known: &HashMap<String, (usize, usize)>) -> Option<(usize, usize)> {
    let (mut offset, mut align) = (0usize, 1usize);
    for field in fields {
        let (size, field_align) = field_layout(&field.ty, known)?;
        offset = offset.next_multiple_of(field_align).checked_add(size)?;
        align = align.max(field_align);
    }
    Some((offset.next_multiple_of(align), align))
}

/// A field type's layout: a primitive, a type of this file whose layout is known (by its
/// name, without generic arguments), or an array of them.
fn field_layout(ty: &syn::Type, known: &HashMap<String, (usize, usize)>) -> Option<(usize, usize)> {
    crate::layout::layout_with(ty, &|path| {
        let last = path.segments.last()?;
        if last.arguments.is_none() { known.get(&last.ident.to_string()).copied() } else { None }
    })
}
