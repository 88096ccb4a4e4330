//! `hardwire`: check, draw, expand and size hardwire topology files, with the same parser
//! and checks as `#[hardwire::bus(topology = "..")]` (the `hardwire-codegen` library).
//!
//! ```text
//! hardwire check schema-examples/market.toml
//! hardwire graph schema-examples/market.toml --format mermaid
//! hardwire expand schema-examples/market.toml
//! hardwire footprint schema-examples/market.toml
//! ```

mod footprint;
mod graph;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};
use hardwire_codegen::diag::{Loc, TomlFile};
use hardwire_codegen::plan::Plan;

/// Check, draw, expand and size hardwire topology files.
#[derive(Debug, Parser)]
#[command(name = "hardwire", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Report every mistake in a topology file, with its line and a caret, as the macro
    /// would (exit status 1 if there is one).
    Check {
        /// The topology file.
        file: PathBuf,
        /// When to color the output.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Print the topology as a graph: producers → topics → subscribers.
    Graph {
        /// The topology file.
        file: PathBuf,
        /// Graphviz `dot` or a Mermaid flowchart.
        #[arg(long, value_enum, default_value_t = graph::Format::Dot)]
        format: graph::Format,
    },
    /// Print the code `#[hardwire::bus(topology = "FILE")] pub mod NAME {}` generates.
    Expand {
        /// The topology file.
        file: PathBuf,
        /// The module name (default: the file's stem).
        #[arg(long)]
        module: Option<String>,
    },
    /// Print the memory each topic's ring takes and the bus's total, `Bus::MEMORY_BYTES`.
    Footprint {
        /// The topology file.
        file: PathBuf,
    },
}

/// When to color diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    /// When standard error is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { file, color } => check(&file, color),
        Command::Graph { file, format } => with_plan(&file, |plan, _| print!("{}", graph::render(plan, format))),
        Command::Expand { file, module } => {
            let module = module.unwrap_or_else(|| module_name(&file));
            expand(&file, &module)
        }
        Command::Footprint { file } => with_plan(&file, |plan, _| print!("{}", footprint::render(plan))),
    }
}

/// Reads and checks `path`: its plan and the file as read, or, after printing every
/// diagnostic, the exit code (1 for mistakes, 2 for an unreadable file).
fn load(path: &Path, color: Color) -> Result<(Plan, TomlFile), ExitCode> {
    let label = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            eprintln!("error: cannot read `{label}`: {err}");
            return Err(ExitCode::from(2));
        }
    };
    hardwire_codegen::check_toml(&label, &bytes).map_err(|(diagnostics, file)| {
        report(&diagnostics, &file, color);
        ExitCode::FAILURE
    })
}

fn with_plan(path: &Path, then: impl FnOnce(&Plan, &TomlFile)) -> ExitCode {
    match load(path, Color::Auto) {
        Ok((plan, file)) => {
            then(&plan, &file);
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn check(path: &Path, color: Color) -> ExitCode {
    match load(path, color) {
        Ok((plan, file)) => {
            let (events, topics, subscribers) = (plan.events.len(), plan.topics.len(), plan.subscribers.len());
            println!(
                "{}: ok: {events} event{}, {topics} topic{}, {subscribers} subscriber{}",
                file.label,
                plural(events),
                plural(topics),
                plural(subscribers)
            );
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// Prints diagnostics as rustc does: the message, the file, line and column, the source
/// line and a caret under the place.
fn report(diagnostics: &[hardwire_codegen::diag::Diagnostic], file: &TomlFile, color: Color) {
    let choice = match color {
        Color::Always => termcolor::ColorChoice::Always,
        Color::Never => termcolor::ColorChoice::Never,
        Color::Auto if std::io::stderr().is_terminal() => termcolor::ColorChoice::Auto,
        Color::Auto => termcolor::ColorChoice::Never,
    };
    let stderr = termcolor::StandardStream::stderr(choice);
    let mut out = stderr.lock();
    let source = SimpleFile::new(file.label.as_str(), file.text.as_str());
    let config = term::Config::default();
    for diagnostic in diagnostics {
        let range = match &diagnostic.loc {
            Loc::Toml(range) => range.start.min(file.text.len())..range.end.min(file.text.len()),
            Loc::Rust(_) => 0..0, // not produced for topology files
        };
        let shown = Diagnostic::error().with_message(&diagnostic.message).with_labels(vec![Label::primary((), range)]);
        if term::emit(&mut out, &config, &source, &shown).is_err() {
            // A closed stderr: print the plain form instead.
            eprintln!("error: {}", diagnostic.render(Some(file)));
        }
    }
    let count = diagnostics.len();
    eprintln!("error: {} has {count} problem{}", file.label, plural(count));
}

fn expand(path: &Path, module: &str) -> ExitCode {
    if syn::parse_str::<syn::Ident>(module).is_err() {
        eprintln!("error: `{module}` is not a Rust identifier; pass one with --module");
        return ExitCode::from(2);
    }
    let (plan, file) = match load(path, Color::Auto) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    match hardwire_codegen::expand_plan(&plan, &file.label, module).map(syn::parse2::<syn::File>) {
        Ok(Ok(expansion)) => {
            print!(
                "// Generated by `#[hardwire::bus(topology = \"{}\")] pub mod {module} {{}}`.\n\n{}",
                file.label,
                prettyplease::unparse(&expansion)
            );
            ExitCode::SUCCESS
        }
        Ok(Err(err)) => {
            eprintln!("error: internal: the expansion does not parse as Rust ({err}); please report this");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `market` for `schema-examples/market.toml`, made a valid identifier.
fn module_name(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '_' })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "bus_");
    }
    name
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
