//! `xlclean`: the engine on the command line, for scripts and for checking
//! what the task pane would do with a file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use engine::{ReadOptions, profile_table, read_workbook};

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
    /// Show each column's inferred type, count, missing and distinct values.
    Profile {
        /// A .xlsx, .xlsm, .xlsb, .xls, .ods, .csv or .tsv file.
        file: PathBuf,
        /// Sheet to read (default: the first sheet with data).
        #[arg(long)]
        sheet: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xlclean: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Profile { file, sheet, json } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let options = ReadOptions {
                sheet,
                ..ReadOptions::default()
            };
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let sheet = read_workbook(&bytes, name, &options)
                .with_context(|| file.display().to_string())?;
            let profile = profile_table(&sheet.table);
            if json {
                let out = serde_json::json!({ "sheet": sheet, "profile": profile });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "{} — sheet \"{}\": {} rows × {} columns",
                    file.display(),
                    sheet.sheet_name,
                    profile.row_count,
                    profile.column_count
                );
                println!(
                    "{:<24} {:<10} {:>8} {:>8} {:>8}",
                    "column", "type", "count", "missing", "distinct"
                );
                for c in &profile.columns {
                    let ty = serde_json::to_value(c.inferred_type)?;
                    println!(
                        "{:<24} {:<10} {:>8} {:>8} {:>8}",
                        c.name,
                        ty.as_str().unwrap_or_default(),
                        c.count,
                        c.missing,
                        c.distinct
                    );
                }
            }
            Ok(())
        }
    }
}
