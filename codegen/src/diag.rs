//! Errors with places. Every problem found in a topology becomes a [`Diagnostic`] whose
//! [`Loc`] is a Rust span or a byte range of the TOML file; they are collected, not
//! returned at the first one, so a user sees all their mistakes at once.
//!
//! TOML byte ranges become `file.toml:LINE:COL:` in exactly one place, [`TomlFile::line_col`].

use std::fmt;
use std::ops::Range;

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

/// Where a problem is.
#[derive(Clone, Debug)]
pub enum Loc {
    /// In Rust tokens.
    Rust(Span),
    /// A byte range of the topology file.
    Toml(Range<usize>),
}

/// One problem, located, with a message that says what to do.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Where.
    pub loc: Loc,
    /// What, and how to fix it.
    pub message: String,
}

/// A topology file as read: its path as the user wrote it and its text.
#[derive(Clone, Debug)]
pub struct TomlFile {
    /// The path as written in `topology = "..."`, used in messages.
    pub label: String,
    /// The text, without a leading UTF-8 byte-order mark.
    pub text: String,
    /// The span of the attribute's string literal: where rustc shows TOML errors.
    pub anchor: Span,
    /// Byte offset of the start of each line, for [`TomlFile::line_col`].
    line_starts: Vec<usize>,
}

impl TomlFile {
    /// A file from its label, raw bytes and anchor. The BOM, if any, is dropped (so
    /// columns on the first line count from the first real character).
    ///
    /// # Errors
    ///
    /// A located diagnostic if the bytes are not UTF-8 or contain a NUL byte.
    pub fn new(label: &str, bytes: &[u8], anchor: Span) -> Result<Self, Box<(Self, Diagnostic)>> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let (text, problem) = match std::str::from_utf8(bytes) {
            Ok(text) => match text.find('\0') {
                Some(at) => (text.to_owned(), Some((at, "a NUL byte is not allowed in a topology file".to_owned()))),
                None => (text.to_owned(), None),
            },
            Err(err) => {
                let valid = err.valid_up_to();
                let text = String::from_utf8_lossy(&bytes[..valid]).into_owned();
                (text, Some((valid, "the topology file is not valid UTF-8 from here on".to_owned())))
            }
        };
        let file = Self::from_text(label, text, anchor);
        match problem {
            None => Ok(file),
            Some((at, message)) => Err(Box::new((file, Diagnostic { loc: Loc::Toml(at..at), message }))),
        }
    }

    /// A file from already-decoded text.
    #[must_use]
    pub fn from_text(label: &str, text: String, anchor: Span) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
        Self { label: label.to_owned(), text, anchor, line_starts }
    }

    /// 1-based line and column (in characters) of byte `offset`: a binary search over line
    /// starts, so locating many places in a large file stays cheap.
    #[must_use]
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line - 1];
        let column = self.text[line_start..offset].chars().count() + 1;
        (line, column)
    }

    /// The source text of a byte range, if it is one.
    #[must_use]
    pub fn slice(&self, range: Range<usize>) -> Option<&str> {
        self.text.get(range)
    }
}

impl Diagnostic {
    /// A diagnostic at a Rust span.
    pub fn rust(span: Span, message: impl Into<String>) -> Self {
        Self { loc: Loc::Rust(span), message: message.into() }
    }

    /// A diagnostic at a byte range of the topology file.
    pub fn toml(range: Range<usize>, message: impl Into<String>) -> Self {
        Self { loc: Loc::Toml(range), message: message.into() }
    }

    /// The message as rustc shows it: prefixed with `file.toml:LINE:COL:` for TOML places.
    #[must_use]
    pub fn render(&self, file: Option<&TomlFile>) -> String {
        match (&self.loc, file) {
            (Loc::Toml(range), Some(file)) => {
                let (line, column) = file.line_col(range.start);
                format!("{}:{line}:{column}: {}", file.label, self.message)
            }
            _ => self.message.clone(),
        }
    }

    /// The span rustc points at: the Rust span, or the `topology = "..."` literal.
    #[must_use]
    pub fn span(&self, file: Option<&TomlFile>) -> Span {
        match (&self.loc, file) {
            (Loc::Rust(span), _) => *span,
            (Loc::Toml(_), Some(file)) => file.anchor,
            (Loc::Toml(_), None) => Span::call_site(),
        }
    }

    /// `compile_error!("...")` at the diagnostic's place.
    #[must_use]
    pub fn to_compile_error(&self, file: Option<&TomlFile>) -> TokenStream {
        let message = self.render(file);
        let span = self.span(file);
        quote_spanned! {span=> ::core::compile_error!(#message); }
    }
}

/// `tokens` with every token (groups included) at `span`.
pub(crate) fn respanned(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner = proc_macro2::Group::new(group.delimiter(), respanned(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// Every diagnostic as `compile_error!` invocations.
#[must_use]
pub fn to_compile_errors(diagnostics: &[Diagnostic], file: Option<&TomlFile>) -> TokenStream {
    diagnostics.iter().map(|d| d.to_compile_error(file)).collect()
}

/// A collector of diagnostics.
#[derive(Debug, Default)]
pub struct Diagnostics {
    errors: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
    }

    /// Records a problem at a location.
    pub fn error(&mut self, loc: &Loc, message: impl Into<String>) {
        self.push(Diagnostic { loc: loc.clone(), message: message.into() });
    }

    /// `Ok(value)` if nothing was recorded, else every diagnostic.
    ///
    /// # Errors
    ///
    /// The recorded diagnostics, in the order they were found.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }

    /// The recorded diagnostics.
    #[must_use]
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.errors
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &[u8]) -> TomlFile {
        TomlFile::new("t.toml", text, Span::call_site()).unwrap_or_else(|failure| failure.0)
    }

    #[test]
    fn line_and_column_count_characters_and_survive_crlf_and_bom() {
        let f = file(b"a = 1\r\nbb = \"\xC3\xA9x\"\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(7), (2, 1));
        // `x` is after the two-byte `é` (bytes 13-14): byte 15, column 8 of line 2.
        assert_eq!(f.line_col(15), (2, 8));
        assert_eq!(f.line_col(14), (2, 7), "an offset inside a character counts from its start");
        let bom = file(b"\xEF\xBB\xBFa = 1\n");
        assert_eq!(bom.line_col(0), (1, 1));
        assert_eq!(bom.text, "a = 1\n");
        assert_eq!(f.line_col(10_000), (3, 1), "offsets past the end clamp");
    }

    #[test]
    fn bad_bytes_are_located() {
        let (_, d) = *TomlFile::new("t.toml", b"a = 1\nb = \xFF\n", Span::call_site()).unwrap_err();
        assert_eq!(
            d.render(Some(&file(b"a = 1\nb = "))),
            "t.toml:2:5: the topology file is not valid UTF-8 from here on"
        );
        let (f, d) = *TomlFile::new("t.toml", b"a = \"\0\"", Span::call_site()).unwrap_err();
        assert_eq!(d.render(Some(&f)), "t.toml:1:6: a NUL byte is not allowed in a topology file");
    }
}

/// Every problem one run of the pipeline finds, and the topology file (if any) they point
/// into — as serde_derive's `Ctxt`: each stage adds what it finds, and the whole is rendered
/// once, as compile errors (the macros) or as `file:LINE:COL: message` lines (the
/// command-line tool).
#[derive(Debug, Default)]
pub struct Ctxt<'f> {
    problems: Vec<Diagnostic>,
    file: Option<&'f TomlFile>,
}

impl<'f> Ctxt<'f> {
    /// A context for problems located in `file` (a TOML topology), or in Rust tokens.
    #[must_use]
    pub fn new(file: Option<&'f TomlFile>) -> Self {
        Self { problems: Vec::new(), file }
    }

    /// Adds problems, after those already found.
    pub fn extend(&mut self, problems: impl IntoIterator<Item = Diagnostic>) {
        self.problems.extend(problems);
    }

    /// Whether no problem was found.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The topology file, if the problems point into one.
    #[must_use]
    pub fn file(&self) -> Option<&'f TomlFile> {
        self.file
    }

    /// Every problem as a `compile_error!` at its place.
    #[must_use]
    pub fn to_compile_errors(&self) -> TokenStream {
        to_compile_errors(&self.problems, self.file)
    }

    /// Every problem as text (`file:LINE:COL: message` for a TOML location).
    #[must_use]
    pub fn messages(&self) -> Vec<String> {
        self.problems.iter().map(|d| d.render(self.file)).collect()
    }

    /// The problems, for tools that show each one's source line.
    #[must_use]
    pub fn into_problems(self) -> Vec<Diagnostic> {
        self.problems
    }
}
