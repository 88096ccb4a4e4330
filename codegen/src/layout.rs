//! Sizes and alignments the generator knows without the compiler, and the field types it
//! can tell are not plain data: used by the TOML front end, validation and the Rust-file
//! sizes of the command-line tool.

/// Size and alignment of a type whose layout is the same on every target (primitives and
/// arrays of them); `None` for anything else, which the generated compile-time assertion
/// then checks instead.
pub(crate) fn layout(ty: &syn::Type) -> Option<(usize, usize)> {
    layout_with(ty, &|_| None)
}

/// [`layout`], and for a path that is not a primitive, what `known` says of it (the layouts
/// of other types, where the caller knows them), in arrays too.
pub(crate) fn layout_with(
    ty: &syn::Type,
    known: &dyn Fn(&syn::Path) -> Option<(usize, usize)>,
) -> Option<(usize, usize)> {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => {
            let size = match path.path.get_ident().map(ToString::to_string).as_deref() {
                Some("u8" | "i8") => 1,
                Some("u16" | "i16") => 2,
                Some("u32" | "i32" | "f32") => 4,
                Some("u64" | "i64" | "f64") => 8,
                _ => return known(&path.path), // u128's alignment and usize's size differ by target
            };
            Some((size, size))
        }
        syn::Type::Array(array) => {
            let (size, align) = layout_with(&array.elem, known)?;
            let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(len), .. }) = &array.len else {
                return None;
            };
            Some((size.checked_mul(len.base10_parse::<usize>().ok()?)?, align))
        }
        syn::Type::Paren(inner) => layout_with(&inner.elem, known),
        syn::Type::Group(inner) => layout_with(&inner.elem, known),
        _ => None,
    }
}

pub fn pod_problem(ty: &syn::Type, text: &str) -> Option<String> {
    match ty {
        syn::Type::Reference(_) | syn::Type::Ptr(_) => {
            Some(format!("has type `{text}`; events are plain data and cannot hold references or pointers"))
        }
        syn::Type::Tuple(tuple) if tuple.elems.is_empty() => {
            Some("has type `()`, which has no data; remove the field".to_owned())
        }
        syn::Type::Tuple(_) => Some(format!("has tuple type `{text}`, which may contain padding; use separate fields")),
        syn::Type::Array(array) => {
            if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(len), .. }) = &array.len {
                if len.base10_parse::<u64>().ok() == Some(0) {
                    return Some(format!("has type `{text}`, which has zero size; remove the field"));
                }
            }
            pod_problem(&array.elem, text)
        }
        syn::Type::Paren(inner) => pod_problem(&inner.elem, text),
        syn::Type::Group(inner) => pod_problem(&inner.elem, text),
        syn::Type::Path(path) => {
            let last = path.path.segments.last()?;
            let name = last.ident.to_string();
            const NOT_POD: &[&str] = &[
                "String", "Vec", "Box", "Option", "Rc", "Arc", "HashMap", "BTreeMap", "HashSet", "str", "bool", "char",
                "Cell", "RefCell", "PathBuf", "Duration", "Instant",
            ];
            if NOT_POD.contains(&name.as_str()) {
                Some(format!("has non-Pod type `{text}`; use plain integers, floats, or fixed-size arrays of them"))
            } else if !last.arguments.is_none() {
                Some(format!("has generic type `{text}`; event fields are plain, fixed-size data"))
            } else {
                None
            }
        }
        _ => Some(format!(
            "has type `{text}`, which is not plain data; use integers, floats, or fixed-size arrays of them"
        )),
    }
}
