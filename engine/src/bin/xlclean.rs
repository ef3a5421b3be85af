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
use engine::mask;
use engine::recipe::{Analyses, apply_owned_with, suggest_recipe_with, write_report};
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
    /// Find personal data as JSON: [{"row", "col", "type", "start", "end",
    /// "score"}] (0-based data rows, offsets in code points, end exclusive).
    Scan {
        file: PathBuf,
        #[arg(long)]
        sheet: Option<String>,
    },
    /// Mask personal data into a CSV (pseudonyms, labels, hashes…).
    Mask {
        file: PathBuf,
        /// The CSV to write.
        #[arg(long)]
        out: PathBuf,
        /// A masking policy (JSON); the default pseudonymises every type.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Where to write the findings and what was done to each (JSON).
        #[arg(long)]
        report: Option<PathBuf>,
        /// The vault (JSON) to read pseudonyms and key from, if it exists,
        /// and to write back; keep it to restore answers.
        #[arg(long)]
        vault: Option<PathBuf>,
        /// The workbook key in hex (at least 16 bytes) when there is no
        /// vault yet; random by default.
        #[arg(long)]
        key: Option<String>,
        #[arg(long)]
        sheet: Option<String>,
    },
    /// Count the tokens of the UTF-8 text on stdin for a Gemini model, as
    /// the task pane does: {"tokens": N}.
    Tokens {
        #[arg(long, default_value = engine::tokens::DEFAULT_MODEL)]
        model: String,
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
            // The report needs only the original's column names and size:
            // the table itself goes to `apply_owned`, not copied.
            let names: Vec<String> = original.columns().iter().map(|c| c.name.clone()).collect();
            let rows_before = original.row_count();
            let mut steps = recipe.map(|r| r.steps).unwrap_or_default();
            let use_auto = auto || steps.is_empty();
            // Column analyses made for suggesting, reused when applying
            // to the same table.
            let mut analyses = Analyses::new();
            if use_auto {
                // The suggestions are made for the table the recipe leaves.
                let suggested = if steps.is_empty() {
                    suggest_recipe_with(&original, &mut analyses)
                } else {
                    let first = apply(
                        &original,
                        &Recipe {
                            version: 1,
                            steps: steps.clone(),
                        },
                    )?;
                    suggest_recipe(&first.table)
                };
                steps.extend(suggested.steps);
            }
            let full = Recipe { version: 1, steps };
            let applied = apply_owned_with(original, &full, analyses)?;
            let mut csv = std::io::BufWriter::new(
                std::fs::File::create(&out)
                    .with_context(|| format!("cannot write {}", out.display()))?,
            );
            write_csv(&applied.table, &mut csv)?;
            csv.flush()
                .with_context(|| format!("cannot write {}", out.display()))?;
            if let Some(path) = report_path {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let mut file = std::io::BufWriter::new(
                    std::fs::File::create(&path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                );
                write_report(&applied, &full, &names, rows_before, &mut file)?;
                writeln!(file)?;
                file.flush()
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            // The process ends here: freeing a million cells one by one
            // would only cost time.
            std::mem::forget(applied);
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
        Command::Scan { file, sheet } => {
            let table = read(&file, sheet)?.table;
            let findings = mask::scan_table(&table);
            // Buffered: a million findings are millions of pretty-printed
            // lines, and stdout alone flushes at every newline.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &scan_records(&table, &findings, None))?;
            writeln!(out)?;
            out.flush()?;
            Ok(())
        }
        Command::Mask {
            file,
            out,
            policy,
            report,
            vault: vault_path,
            key,
            sheet,
        } => {
            let policy = match &policy {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    mask::Policy::from_json(&text)
                        .with_context(|| format!("invalid policy {}", path.display()))?
                }
                None => mask::Policy::default(),
            };
            let mut vault = open_vault(vault_path.as_deref(), key.as_deref())?;
            let table = read(&file, sheet)?.table;
            let findings = mask::scan_table(&table);
            let masked = mask::mask_table(&table, &findings, &policy, &mut vault);
            let mut buffer = Vec::new();
            write_csv(&masked.table, &mut buffer)?;
            std::fs::write(&out, buffer)
                .with_context(|| format!("cannot write {}", out.display()))?;
            if let Some(path) = report {
                let records = scan_records(&table, &findings, Some(&policy));
                let text = serde_json::to_string_pretty(&records)?;
                std::fs::write(&path, text + "\n")
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if let Some(path) = vault_path {
                std::fs::write(&path, vault.to_json() + "\n")
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        }
        Command::Tokens { model } => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)?;
            let text = String::from_utf8(bytes).context("stdin is not UTF-8")?;
            let tokens = engine::tokens::count_tokens(&model, &text)?;
            println!("{{\"tokens\": {tokens}}}");
            Ok(())
        }
    }
}

/// One finding as `scan` prints it; `mask --report` adds the operator.
#[derive(serde::Serialize)]
struct ScanRecord<'a> {
    row: usize,
    col: &'a str,
    #[serde(rename = "type")]
    kind: mask::PiiType,
    start: usize,
    end: usize,
    score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<String>,
}

fn scan_records<'a>(
    table: &'a engine::Table,
    findings: &[mask::CellFinding],
    policy: Option<&mask::Policy>,
) -> Vec<ScanRecord<'a>> {
    findings
        .iter()
        .map(|f| {
            let column = &table.columns()[f.column].name;
            let operator = policy.map(|p| {
                let op = p
                    .columns
                    .get(column)
                    .cloned()
                    .unwrap_or_else(|| p.operator_for_type(f.finding.kind));
                let below = f.finding.score < p.min_score && !p.columns.contains_key(column);
                let value = serde_json::to_value(if below { mask::Operator::Keep } else { op })
                    .unwrap_or_default();
                value["op"].as_str().unwrap_or_default().to_owned()
            });
            ScanRecord {
                row: f.row,
                col: column,
                kind: f.finding.kind,
                start: f.finding.start,
                end: f.finding.end,
                score: f.finding.score,
                reason: policy.map(|_| f.finding.reason),
                operator,
            }
        })
        .collect()
}

/// The vault from `path` when it exists, otherwise a new one with `key`
/// (hex) or 32 random bytes from the operating system.
fn open_vault(path: Option<&Path>, key: Option<&str>) -> anyhow::Result<mask::Vault> {
    if let Some(path) = path
        && path.exists()
    {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return mask::Vault::from_json(&text)
            .with_context(|| format!("invalid vault {}", path.display()));
    }
    let key = match key {
        Some(hex) => (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .filter(|k| k.len() * 2 == hex.len())
            .ok_or_else(|| anyhow!("--key must be hexadecimal"))?,
        None => {
            let mut bytes = [0u8; 32];
            let mut random = std::fs::File::open("/dev/urandom")
                .context("no random source for the masking key: pass --key")?;
            std::io::Read::read_exact(&mut random, &mut bytes)
                .context("no random source for the masking key: pass --key")?;
            bytes.to_vec()
        }
    };
    Ok(mask::Vault::new(&key)?)
}
