//! `hardwire`: check, draw, expand and size hardwire topology files, with the same parser
//! and checks as `#[hardwire::bus(topology = "..")]` (the `hardwire-codegen` library).
//!
//! ```text
//! hardwire check schema-examples/market.toml
//! hardwire graph schema-examples/market.toml --format mermaid
//! hardwire expand schema-examples/market.toml
//! hardwire footprint schema-examples/market.toml
//! hardwire stats market --interval 1   # a running shared-memory segment (Linux)
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
use hardwire_codegen::plan::Plan;
use hardwire_codegen::{Loc, TomlFile};

/// Check, draw, expand and size hardwire topology files.
#[derive(Debug, Parser)]
#[command(name = "hardwire", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Report every mistake in a topology, with its line and a caret, as the macro would
    /// (exit status 1 if there is one).
    Check {
        /// The topology: a TOML file, or a Rust file with `#[hardwire::bus]` modules.
        file: PathBuf,
        /// In a Rust file: only this bus module (default: every one).
        #[arg(long)]
        bus: Option<String>,
        /// When to color the output.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Print the topology as a graph: producers → topics → subscribers.
    Graph {
        /// The topology: a TOML file, or a Rust file with `#[hardwire::bus]` modules.
        file: PathBuf,
        /// In a Rust file with several bus modules: which one.
        #[arg(long)]
        bus: Option<String>,
        /// Graphviz `dot` or a Mermaid flowchart.
        #[arg(long, value_enum, default_value_t = graph::Format::Dot)]
        format: graph::Format,
    },
    /// Print the code the macro generates for the topology.
    Expand {
        /// The topology: a TOML file, or a Rust file with `#[hardwire::bus]` modules.
        file: PathBuf,
        /// In a Rust file with several bus modules: which one.
        #[arg(long)]
        bus: Option<String>,
        /// The generated module's name (default: the bus module's, or the TOML file's stem).
        #[arg(long)]
        module: Option<String>,
    },
    /// Print the memory each topic's ring takes and the bus's total, `Bus::MEMORY_BYTES`.
    Footprint {
        /// The topology: a TOML file, or a Rust file with `#[hardwire::bus]` modules.
        file: PathBuf,
        /// In a Rust file with several bus modules: which one.
        #[arg(long)]
        bus: Option<String>,
    },
    /// Print the counters of a running shared-memory segment (`hardwire::shm`, Linux):
    /// per ring published events and publishers, per subscriber record its position,
    /// pending events and counts. Reads a read-only mapping; attaches to nothing.
    Stats {
        /// The segment's name (as given to `Segment::open`); without it, the segments on
        /// this machine are listed.
        name: Option<String>,
        /// Print again every this many seconds, until interrupted or the segment is gone.
        #[arg(long)]
        interval: Option<f64>,
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
        Command::Check { file, bus, color } => check(&file, bus.as_deref(), color),
        Command::Graph { file, bus, format } => {
            with_plan(&file, bus.as_deref(), |plan| output(&graph::render(plan, format)))
        }
        Command::Expand { file, bus, module } => expand(&file, bus.as_deref(), module.as_deref()),
        Command::Footprint { file, bus } => with_plan(&file, bus.as_deref(), |plan| output(&footprint::render(plan))),
        Command::Stats { name: Some(name), interval } => stats(&name, interval),
        Command::Stats { name: None, .. } => list_segments(),
    }
}

/// `hardwire stats`: the segment's counters, once or every `interval` seconds.
#[cfg(target_os = "linux")]
fn stats(name: &str, interval: Option<f64>) -> ExitCode {
    let period = match interval.map(std::time::Duration::try_from_secs_f64) {
        None => None,
        Some(Ok(period)) if !period.is_zero() => Some(period),
        Some(_) => {
            eprintln!("error: --interval takes a positive number of seconds");
            return ExitCode::from(2);
        }
    };
    let clear = period.is_some() && std::io::stdout().is_terminal();
    let mut shown = false;
    loop {
        match hardwire_runtime::shm::inspect(name) {
            Ok(inspection) => {
                output(&format!("{}{inspection}", if clear { "\x1b[2J\x1b[H" } else { "" }));
                shown = true;
            }
            Err(hardwire_runtime::shm::ShmError::NotFound { .. }) if shown => {
                output(&format!("segment {name} is gone\n"));
                return ExitCode::SUCCESS;
            }
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        }
        let Some(period) = period else { return ExitCode::SUCCESS };
        std::thread::sleep(period);
    }
}

/// `hardwire stats` without a name: every segment, one line each.
#[cfg(target_os = "linux")]
fn list_segments() -> ExitCode {
    let names = match hardwire_runtime::shm::segments() {
        Ok(names) => names,
        Err(err) => {
            eprintln!("error: cannot list /dev/shm: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut text = String::new();
    for name in &names {
        let line = match hardwire_runtime::shm::inspect(name) {
            Ok(seen) => format!(
                "{name}: {} ring(s), {} bytes, {} process(es) attached\n",
                seen.rings.len(),
                seen.size,
                seen.users.len()
            ),
            Err(err) => format!("{name}: {err}\n"),
        };
        text.push_str(&line);
    }
    if names.is_empty() {
        text.push_str("no hardwire shared-memory segments\n");
    }
    output(&text);
    ExitCode::SUCCESS
}

#[cfg(not(target_os = "linux"))]
fn list_segments() -> ExitCode {
    eprintln!("error: shared-memory segments need Linux");
    ExitCode::from(2)
}

#[cfg(not(target_os = "linux"))]
fn stats(_: &str, _: Option<f64>) -> ExitCode {
    eprintln!("error: shared-memory segments need Linux");
    ExitCode::from(2)
}

/// Writes `text` to standard output. A reader that closed the pipe early (`hardwire expand
/// .. | head`) wanted no more: that ends the command quietly, as for other Unix tools.
fn output(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to standard output: {err}");
            std::process::exit(2);
        }
    }
}

/// A topology loaded from a TOML file, or from a bus module of a Rust file.
struct Loaded {
    plan: Plan,
    /// The TOML file it came from (a Rust-form bus has none).
    file: Option<TomlFile>,
    /// The bus module's name, for a bus found in a Rust file.
    module: Option<String>,
}

fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|err| {
        eprintln!("error: cannot read `{}`: {err}", path.display());
        ExitCode::from(2)
    })
}

fn load_toml(path: &Path, color: Color) -> Result<(Plan, TomlFile), ExitCode> {
    let label = path.display().to_string();
    let bytes = read(path)?;
    hardwire_codegen::check_toml(&label, &bytes).map_err(|(diagnostics, file)| {
        report(&diagnostics, &file, color);
        ExitCode::FAILURE
    })
}

fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "rs")
}

/// Every bus module of `path` (a Rust file), or just `only`: those that loaded, and whether
/// any did not (its problems are reported). A TOML-form bus's file is read relative to the
/// nearest directory above `path` with a `Cargo.toml`, as the macro reads it relative to
/// `CARGO_MANIFEST_DIR`.
/// With `one`, a file of several bus modules and no `only` is an error that lists them.
fn load_rust(path: &Path, only: Option<&str>, one: bool, color: Color) -> Result<(Vec<Loaded>, bool), ExitCode> {
    let label = path.display().to_string();
    let text = String::from_utf8_lossy(&read(path)?).into_owned();
    let buses = hardwire_codegen::rust_buses(&label, &text).map_err(|error| {
        eprintln!("error: {error}");
        ExitCode::FAILURE
    })?;
    let names: Vec<&str> = buses.iter().map(|bus| bus.module.as_str()).collect();
    if buses.is_empty() {
        eprintln!("error: {label} has no `#[hardwire::bus]` module");
        return Err(ExitCode::FAILURE);
    }
    if let Some(only) = only.filter(|only| !names.contains(only)) {
        eprintln!("error: {label} has no bus module `{only}`; it has {}", names.join(", "));
        return Err(ExitCode::from(2));
    }
    if one && only.is_none() && names.len() > 1 {
        eprintln!("error: {label} has several bus modules ({}): pick one with --bus", names.join(", "));
        return Err(ExitCode::from(2));
    }
    let crate_dir = path.ancestors().skip(1).find(|dir| dir.join("Cargo.toml").is_file()).unwrap_or(Path::new("."));
    let mut loaded = Vec::new();
    let mut failed = false;
    for bus in buses.into_iter().filter(|bus| only.is_none_or(|only| bus.module == only)) {
        match bus.form {
            hardwire_codegen::RustBusForm::Items(Ok(plan)) => {
                loaded.push(Loaded { plan, file: None, module: Some(bus.module) });
            }
            hardwire_codegen::RustBusForm::Items(Err(errors)) => {
                errors.iter().for_each(|error| eprintln!("error: {error}"));
                eprintln!(
                    "error: bus `{}` in {label} has {} problem{}",
                    bus.module,
                    errors.len(),
                    plural(errors.len())
                );
                failed = true;
            }
            hardwire_codegen::RustBusForm::Topology(relative) => match load_toml(&crate_dir.join(relative), color) {
                Ok((plan, file)) => loaded.push(Loaded { plan, file: Some(file), module: Some(bus.module) }),
                Err(_) => failed = true,
            },
        }
    }
    Ok((loaded, failed))
}

/// The one topology `path` names (with `bus` choosing among a Rust file's modules).
fn load_one(path: &Path, bus: Option<&str>, color: Color) -> Result<Loaded, ExitCode> {
    if !is_rust(path) {
        let (plan, file) = load_toml(path, color)?;
        return Ok(Loaded { plan, file: Some(file), module: None });
    }
    match load_rust(path, bus, true, color)? {
        (mut loaded, false) if loaded.len() == 1 => Ok(loaded.remove(0)),
        _ => Err(ExitCode::FAILURE),
    }
}

fn with_plan(path: &Path, bus: Option<&str>, then: impl FnOnce(&Plan)) -> ExitCode {
    match load_one(path, bus, Color::Auto) {
        Ok(loaded) => {
            then(&loaded.plan);
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn check(path: &Path, bus: Option<&str>, color: Color) -> ExitCode {
    let loaded = if is_rust(path) {
        load_rust(path, bus, false, color)
    } else {
        load_one(path, None, color).map(|loaded| (vec![loaded], false))
    };
    match loaded {
        Ok((loaded, failed)) => {
            for Loaded { plan, file, module } in &loaded {
                let (events, topics, subscribers) = (plan.events.len(), plan.topics.len(), plan.subscribers.len());
                let what = match (module, file) {
                    (Some(module), Some(file)) => format!("{}: bus `{module}` ({})", path.display(), file.label),
                    (Some(module), None) => format!("{}: bus `{module}`", path.display()),
                    (None, _) => path.display().to_string(),
                };
                println!(
                    "{what}: ok: {events} event{}, {topics} topic{}, {subscribers} subscriber{}",
                    plural(events),
                    plural(topics),
                    plural(subscribers)
                );
            }
            if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        Err(code) => code,
    }
}

fn report(diagnostics: &[hardwire_codegen::Diagnostic], file: &TomlFile, color: Color) {
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

fn expand(path: &Path, bus: Option<&str>, module: Option<&str>) -> ExitCode {
    if let Some(module) = module.filter(|module| syn::parse_str::<syn::Ident>(module).is_err()) {
        eprintln!("error: `{module}` is not a Rust identifier; pass one with --module");
        return ExitCode::from(2);
    }
    let loaded = match load_one(path, bus, Color::Auto) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let module = module.map_or_else(|| loaded.module.clone().unwrap_or_else(|| module_name(path)), str::to_owned);
    let (expanded, header) = match &loaded.file {
        Some(file) => (
            hardwire_codegen::expand(&loaded.plan, Some(&file.label), &module),
            format!("#[hardwire::bus(topology = \"{}\")] pub mod {module} {{}}", file.label),
        ),
        None => (
            hardwire_codegen::expand(&loaded.plan, None, &module),
            format!("#[hardwire::bus] pub mod {module} {{ .. }}` in `{}", path.display()),
        ),
    };
    match expanded.map(syn::parse2::<syn::File>) {
        Ok(Ok(expansion)) => {
            output(&format!("// Generated by `{header}`.\n\n{}", prettyplease::unparse(&expansion)));
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
