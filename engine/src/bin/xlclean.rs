//! `xlclean`: the engine on the command line, for scripts and for checking
//! what the task pane would do with a file.
//!
//! Bad input (unreadable file, unknown column, invalid recipe) prints one
//! line on stderr and exits with code 2.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};
use engine::recipe::report;
use engine::{
    ReadOptions, Recipe, SheetData, apply, find_duplicates, profile_table, read_workbook,
    suggest_recipe, write_csv,
};

#[derive(Parser)]
#[command(
    name = "xlclean",
    version,
    about = "Profile and clean spreadsheets locally"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print each column's inferred type, counts and conventions as JSON.
    Profile {
        /// A .xlsx, .xlsm, .xlsb, .xls, .ods, .csv or .tsv file.
        file: PathBuf,
        /// Sheet to read (default: the first sheet with data).
        #[arg(long)]
        sheet: Option<String>,
        /// Print a table for people instead of JSON.
        #[arg(long)]
        table: bool,
        /// Accepted for compatibility; JSON is the default.
        #[arg(long, hide = true)]
        json: bool,
    },
    /// Clean a file into a machine-readable CSV.
    Clean {
        file: PathBuf,
        /// The CSV to write.
        #[arg(long)]
        out: PathBuf,
        /// Apply the suggested recipe (the default without --recipe).
        #[arg(long)]
        auto: bool,
        /// A recipe (JSON) to apply; with --auto, the suggestions for the
        /// result are applied after it.
        #[arg(long)]
        recipe: Option<PathBuf>,
        /// Where to write the cell-level diff and findings (JSON).
        #[arg(long)]
        report: Option<PathBuf>,
        #[arg(long)]
        sheet: Option<String>,
    },
    /// List duplicate rows as JSON: [{"row", "duplicate_of", "score"}].
    Duplicates {
        file: PathBuf,
        /// Key columns, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        keys: Option<Vec<String>>,
        /// Similarity from 0 to 1; 1 means exact duplicates only.
        #[arg(long, default_value_t = 0.8)]
        threshold: f64,
        #[arg(long)]
        sheet: Option<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever the cause chain.
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("xlclean: {message}");
            ExitCode::from(2)
        }
    }
}

fn read(file: &Path, sheet: Option<String>) -> anyhow::Result<SheetData> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let options = ReadOptions {
        sheet,
        ..ReadOptions::default()
    };
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    read_workbook(&bytes, name, &options).with_context(|| file.display().to_string())
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Profile {
            file,
            sheet,
            table,
            json: _,
        } => {
            let sheet = read(&file, sheet)?;
            let profile = profile_table(&sheet.table);
            if !table {
                let mut value = serde_json::to_value(&profile)?;
                if let Some(object) = value.as_object_mut() {
                    object.insert("sheetName".into(), sheet.sheet_name.clone().into());
                    object.insert("sheetNames".into(), sheet.sheet_names.clone().into());
                }
                return print_json(&value);
            }
            println!(
                "{} — sheet \"{}\": {} rows × {} columns",
                file.display(),
                sheet.sheet_name,
                profile.row_count,
                profile.column_count
            );
            println!(
                "{:<24} {:<12} {:>8} {:>8} {:>8} {:>8}",
                "column", "type", "count", "missing", "distinct", "odd"
            );
            for c in &profile.columns {
                let ty = serde_json::to_value(c.inferred_type)?;
                println!(
                    "{:<24} {:<12} {:>8} {:>8} {:>8} {:>8}",
                    c.name,
                    ty.as_str().unwrap_or_default(),
                    c.count,
                    c.missing,
                    c.distinct,
                    c.non_conforming
                );
            }
            Ok(())
        }
        Command::Clean {
            file,
            out,
            auto,
            recipe,
            report: report_path,
            sheet,
        } => {
            let recipe = match &recipe {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    Some(
                        Recipe::from_json(&text)
                            .with_context(|| format!("invalid recipe {}", path.display()))?,
                    )
                }
                None => None,
            };
            let sheet = read(&file, sheet)?;
            let original = sheet.table;
            let mut steps = recipe.map(|r| r.steps).unwrap_or_default();
            let use_auto = auto || steps.is_empty();
            let applied = if use_auto {
                // The suggestions are made for the table the recipe leaves.
                let first = apply(
                    &original,
                    &Recipe {
                        version: 1,
                        steps: steps.clone(),
                    },
                )?;
                steps.extend(suggest_recipe(&first.table).steps);
                let full = Recipe { version: 1, steps };
                (apply(&original, &full)?, full)
            } else {
                let full = Recipe { version: 1, steps };
                (apply(&original, &full)?, full)
            };
            let (applied, full) = applied;
            let mut buffer = Vec::new();
            write_csv(&applied.table, &mut buffer)?;
            std::fs::write(&out, buffer)
                .with_context(|| format!("cannot write {}", out.display()))?;
            if let Some(path) = report_path {
                let value = report(&applied, &full, &original);
                let text = serde_json::to_string_pretty(&value)?;
                std::fs::write(&path, text + "\n")
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        }
        Command::Duplicates {
            file,
            keys,
            threshold,
            sheet,
        } => {
            if !(0.0..=1.0).contains(&threshold) {
                return Err(anyhow!("--threshold must be between 0 and 1"));
            }
            let sheet = read(&file, sheet)?;
            let table = sheet.table;
            let keys = match keys {
                Some(names) => names
                    .iter()
                    .map(|name| {
                        table.column_index(name.trim()).ok_or_else(|| {
                            anyhow!("the table has no column named \"{}\"", name.trim())
                        })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?,
                None => (0..table.column_count()).collect(),
            };
            let pairs = find_duplicates(&table, &keys, threshold);
            print_json(&pairs)
        }
    }
}
