//! Type inference per column: what a column holds and how it writes it.
//!
//! A cell alone is often ambiguous (`1,234`, `03/04/2024`, `-`, `1`); a
//! column is not. [`analyze_column`] gathers evidence from every cell, lets
//! the unambiguous ones decide the column's conventions (number locale,
//! day/month order, currency, unit, placeholders for missing), and
//! [`read_cell`] then reads each cell under those conventions. The majority
//! decides; the minority is read in its own convention when it has an
//! unambiguous one, and reported as non-conforming otherwise.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::parse::number::{CurrencyMeaning, currency_meaning};
use crate::parse::text::trim;
use crate::parse::{
    DateOrder, NumberLocale, Placeholder, TemporalKind, TextCase, case_of, is_email, is_phone,
    is_url, parse_bool, parse_date, parse_number, placeholder_kind,
};
use crate::profile::ColumnType;
use crate::table::{Cell, Column, FastMap, Table, Text};

/// What a column holds and the conventions it is written in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnAnalysis {
    pub kind: ColumnType,
    /// Set when the column has numbers written as text.
    pub number_locale: Option<NumberLocale>,
    /// Whether cells that only one locale can read chose the locale (as
    /// opposed to the default tie-break).
    pub locale_from_evidence: bool,
    /// Set when the column has dates written `a/b/yyyy`.
    pub date_order: Option<DateOrder>,
    pub order_from_evidence: bool,
    /// The dominant currency: its ISO code when a cell writes the code,
    /// else its most common sign as written (see `column_currency`).
    pub currency: Option<String>,
    /// Every form the column writes that currency in (`$` and `USD`),
    /// sorted; a cell in any other currency does not conform.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub currency_forms: Vec<String>,
    /// The dominant unit suffix (`kg`, `oz`).
    pub unit: Option<String>,
    /// Plain numbers of the column are fractions (all within ±1), so a
    /// stray `%` is decoration, not ÷100.
    pub holds_fractions: bool,
    /// In a percentage column, values are written in points (`5%`), so a
    /// bare `0.05` is already a fraction while a bare `5` means 5 %.
    pub percent_points: bool,
    /// The dominant letter case of a name-like text column.
    pub text_case: Option<TextCase>,
    /// Lower-cased placeholders that mean "missing" in this column.
    pub missing_tokens: Vec<String>,
    /// `1`/`0` are booleans here.
    pub zero_one_booleans: bool,
    /// Numbers here are Excel date serials that lost their format.
    pub serial_dates: bool,
}

/// One cell read under its column's conventions.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// A blank cell.
    Missing,
    /// A placeholder (`N/A`, `-`, `#N/A`) meaning missing.
    Placeholder,
    /// A value of the column's type, in its standard form.
    Value {
        cell: Cell,
        /// How sure the reading is, 0..1 (1 when nothing was guessed).
        confidence: f64,
        /// Why the reading needed judgement, when it did.
        note: Option<&'static str>,
    },
    /// Not a value of the column's type; left as it is.
    NonConforming,
}

fn value(cell: Cell) -> Reading {
    Reading::Value {
        cell,
        confidence: 1.0,
        note: None,
    }
}

fn judged(cell: Cell, confidence: f64, note: &'static str) -> Reading {
    Reading::Value {
        cell,
        confidence,
        note: Some(note),
    }
}

impl ColumnAnalysis {
    pub fn is_missing_token(&self, text: &str) -> bool {
        if self.missing_tokens.is_empty() {
            return false;
        }
        let mut buffer = [0u8; 32];
        let lower = crate::parse::text::lowercase(trim(text), &mut buffer);
        self.missing_tokens
            .binary_search_by(|token| token.as_str().cmp(&lower))
            .is_ok()
    }

    /// Whether a cell written in currency `found` (a sign or a code) is in
    /// the column's currency. Any currency is, in a column without one.
    pub fn conforms_to_currency(&self, found: &str) -> bool {
        match &self.currency {
            None => true,
            // An analysis from before the forms were recorded.
            Some(column) if self.currency_forms.is_empty() => column == found,
            Some(_) => self.currency_forms.iter().any(|form| form == found),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self.kind,
            ColumnType::Integer
                | ColumnType::Decimal
                | ColumnType::Currency
                | ColumnType::Percentage
        )
    }

    pub fn is_temporal(&self) -> bool {
        matches!(
            self.kind,
            ColumnType::Date | ColumnType::Datetime | ColumnType::Time
        )
    }

    pub fn is_textual(&self) -> bool {
        matches!(
            self.kind,
            ColumnType::Text | ColumnType::Category | ColumnType::Identifier
        )
    }

    /// The Excel number format that shows this column's standard values.
    pub fn excel_format(&self) -> Option<String> {
        Some(match self.kind {
            ColumnType::Date => "yyyy-mm-dd".into(),
            ColumnType::Datetime => "yyyy-mm-dd hh:mm:ss".into(),
            ColumnType::Time => "hh:mm:ss".into(),
            ColumnType::Percentage => "0.00%".into(),
            ColumnType::Currency => {
                let symbol = self.currency.as_deref().unwrap_or("");
                if symbol.chars().all(|c| c.is_ascii_uppercase()) {
                    format!("#,##0.00 \"{symbol}\"")
                } else {
                    format!("\"{symbol}\"#,##0.00")
                }
            }
            ColumnType::Decimal => "#,##0.00".into(),
            ColumnType::Integer => "0".into(),
            _ => return None,
        })
    }
}

/// The analysis of each column of a table as its cells stand, so that a
/// column is analysed once however many steps look at it: `auto` suggests
/// from the analyses, `standardize` reads under them, `duplicates`
/// normalizes with them. Whoever changes a column's cells must
/// [`forget`](Analyses::forget) its analysis (applying a recipe does).
#[derive(Debug, Clone, Default)]
pub struct Analyses {
    columns: Vec<Option<ColumnAnalysis>>,
}

impl Analyses {
    /// Nothing known yet: every column is analysed when first asked for.
    pub fn new() -> Analyses {
        Analyses::default()
    }

    /// The analysis of column `c` of `table`, computed on first use.
    pub fn get(&mut self, table: &Table, c: usize) -> &ColumnAnalysis {
        if self.columns.len() <= c {
            self.columns.resize(c + 1, None);
        }
        self.columns[c].get_or_insert_with(|| analyze_column(&table.columns()[c]))
    }

    /// Column `c`'s cells changed.
    pub fn forget(&mut self, c: usize) {
        if let Some(slot) = self.columns.get_mut(c) {
            *slot = None;
        }
    }

    /// Rows were removed or added: every column changed.
    pub fn forget_all(&mut self) {
        self.columns.clear();
    }
}

/// Counters from one pass over a column.
#[derive(Default)]
struct Evidence<'a> {
    native_numbers: usize,
    native_bools: usize,
    native_dates: usize,
    native_datetimes: usize,
    native_times: usize,
    durations: usize,
    placeholders: BTreeMap<String, (Placeholder, usize)>,
    text_bools: usize,
    zero_one: usize,
    serial_range: usize,
    dates: usize,
    datetimes: usize,
    times: usize,
    dmy: usize,
    mdy: usize,
    dotted: usize,
    text_numbers: usize,
    locale_valid: [usize; 5],
    leading_zero: usize,
    percent: usize,
    currencies: BTreeMap<&'static str, usize>,
    units: BTreeMap<String, usize>,
    emails: usize,
    urls: usize,
    phones: usize,
    /// Distinct texts with how many cells hold each.
    texts: Vec<(&'a str, usize)>,
    /// Texts that read as numbers, kept in case the column turns out to
    /// hold codes (zip codes, account numbers with leading zeros), and
    /// whether they have a leading zero.
    numeric_texts: Vec<(&'a str, usize, bool)>,
    /// What the numbers written as text (leading zeros aside) say when read
    /// in each locale, so that the column's numbers need reading only once
    /// whichever locale wins.
    readings: [LocaleReadings; 5],
}

/// Shape of a column's text numbers read in one locale.
#[derive(Clone, Copy)]
struct LocaleReadings {
    /// Every value is whole and written without a decimal separator.
    integral: bool,
    /// Cells without `%`, and whether all of them lie within ±1.
    plain: usize,
    plain_fractions: bool,
    /// Cells with `%`, and how many of those exceed 1 (points, not fractions).
    percents: usize,
    points: usize,
}

impl Default for LocaleReadings {
    fn default() -> Self {
        LocaleReadings {
            integral: true,
            plain: 0,
            plain_fractions: true,
            percents: 0,
            points: 0,
        }
    }
}

impl LocaleReadings {
    fn add(&mut self, value: f64, percent: bool, decimal_written: bool, cells: usize) {
        if value.fract() != 0.0 || decimal_written {
            self.integral = false;
        }
        if percent {
            self.percents += cells;
            if value.abs() > 1.0 {
                self.points += cells;
            }
        } else {
            self.plain += cells;
            if value.abs() > 1.0 {
                self.plain_fractions = false;
            }
        }
    }
}

/// Numbers in this range read as dates 1927-05-18 … 2173-10-14.
const SERIAL_RANGE: std::ops::RangeInclusive<f64> = 10_000.0..=100_000.0;

fn looks_like_date_header(name: &str) -> bool {
    let lower = name.to_lowercase();
    ["date", "datum", "fecha", "data de", "day"]
        .iter()
        .any(|w| lower.contains(w))
}

/// Most distinct texts [`analyze_column`] makes room for up front.
const DISTINCT_RESERVE: usize = 1 << 16;

pub fn analyze_column(column: &Column) -> ColumnAnalysis {
    let mut ev = Evidence::default();
    // Distinct trimmed texts in order of first appearance, with counts.
    let mut distinct: Vec<(&str, usize)> = Vec::new();
    // Sized up front: growing it would hash every text again each time.
    // Capped, so that a long column of few values does not take room for
    // millions (its untouched room costs next to nothing meanwhile).
    let mut seen: FastMap<&str, usize> = FastMap::default();
    seen.reserve(column.cells.len().min(DISTINCT_RESERVE));
    for cell in &column.cells {
        match cell {
            Cell::Empty | Cell::Error(_) => {}
            Cell::Bool(_) => ev.native_bools += 1,
            Cell::Number(n) => {
                ev.native_numbers += 1;
                if *n == 0.0 || *n == 1.0 {
                    ev.zero_one += 1;
                }
                if n.fract() == 0.0 && SERIAL_RANGE.contains(n) {
                    ev.serial_range += 1;
                }
            }
            Cell::DateTime(n) if *n < 1.0 && *n >= 0.0 => ev.native_times += 1,
            Cell::DateTime(n) if n.fract() == 0.0 => ev.native_dates += 1,
            Cell::DateTime(_) => ev.native_datetimes += 1,
            Cell::Duration(_) => ev.durations += 1,
            Cell::Text(t) => {
                let t = trim(t);
                if !t.is_empty() {
                    let next = distinct.len();
                    let index = *seen.entry(t).or_insert(next);
                    if index == next {
                        distinct.push((t, 0));
                    }
                    distinct[index].1 += 1;
                }
            }
        }
    }
    drop(seen);
    // Every text is read once however many cells repeat it (categories,
    // placeholders, dates): the evidence only counts.
    for &(t, n) in &distinct {
        scan_text(t, n, &mut ev);
    }
    // Leading zeros on a tenth of the numbers: the column holds codes, and
    // turning `02134` into 2134 would destroy them.
    if ev.leading_zero > 0 && ev.leading_zero * 10 >= ev.leading_zero + ev.text_numbers {
        let codes = std::mem::take(&mut ev.numeric_texts);
        ev.texts.extend(codes.into_iter().map(|(t, n, _)| (t, n)));
        ev.text_numbers = 0;
        ev.locale_valid = [0; 5];
        ev.percent = 0;
        ev.currencies.clear();
        ev.units.clear();
        ev.serial_range = 0;
        ev.zero_one = 0;
    } else {
        let codes = ev
            .numeric_texts
            .iter()
            .filter(|&&(_, _, leading_zero)| leading_zero)
            .map(|&(t, n, _)| (t, n));
        ev.texts.extend(codes);
    }
    decide(column, &ev)
}

/// Counts what the trimmed text `t`, held by `n` cells, says.
fn scan_text<'a>(t: &'a str, n: usize, ev: &mut Evidence<'a>) {
    if t.is_empty() {
        return;
    }
    // No placeholder or yes/no word starts with a digit; most numbers do.
    let starts_with_digit = t.as_bytes()[0].is_ascii_digit();
    if !starts_with_digit && let Some(kind) = placeholder_kind(t) {
        ev.placeholders
            .entry(t.to_lowercase())
            .or_insert((kind, 0))
            .1 += n;
        return;
    }
    if !starts_with_digit && parse_bool(t).is_some() {
        ev.text_bools += n;
        return;
    }
    if let Some(token) = parse_number(t) {
        ev.numeric_texts.push((t, n, token.leading_zero));
        if token.leading_zero {
            ev.leading_zero += n;
            return;
        }
        ev.text_numbers += n;
        // Both decimal separators are ASCII: one pass finds them.
        let (has_point, has_comma) = t.bytes().fold((false, false), |(point, comma), b| {
            (point || b == b'.', comma || b == b',')
        });
        for locale in NumberLocale::ALL {
            if let Some(v) = token.value_preferring(locale) {
                let decimal_written = match locale.decimal() {
                    '.' => has_point,
                    _ => has_comma,
                };
                ev.readings[locale as usize].add(v, token.percent, decimal_written, n);
            }
        }
        for locale in NumberLocale::ALL {
            if token.is_valid_in(locale) {
                ev.locale_valid[locale as usize] += n;
            }
        }
        if let Some(v) = token.unambiguous_value() {
            if v == 0.0 || v == 1.0 {
                ev.zero_one += n;
            }
            if v.fract() == 0.0 && SERIAL_RANGE.contains(&v) && !token.grouped {
                ev.serial_range += n;
            }
        }
        if token.percent {
            ev.percent += n;
        }
        if let Some(c) = token.currency {
            *ev.currencies.entry(c).or_default() += n;
        }
        if let Some(u) = token.unit {
            *ev.units.entry(u.to_lowercase()).or_default() += n;
        }
        return;
    }
    if let Some(token) = parse_date(t) {
        match token.kind {
            TemporalKind::Date => ev.dates += n,
            TemporalKind::DateTime => ev.datetimes += n,
            TemporalKind::Time => ev.times += n,
        }
        match token.evidence() {
            Some(DateOrder::Dmy) => ev.dmy += n,
            Some(DateOrder::Mdy) => ev.mdy += n,
            None => {}
        }
        if token.dotted {
            ev.dotted += n;
        }
        return;
    }
    if is_email(t) {
        ev.emails += n;
    } else if is_url(t) {
        ev.urls += n;
    } else if is_phone(t) {
        ev.phones += n;
    } else {
        ev.texts.push((t, n));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Numeric,
    Temporal,
    Boolean,
    Duration,
    Email,
    Url,
    Phone,
    Text,
}

fn decide(column: &Column, ev: &Evidence) -> ColumnAnalysis {
    let numbers = ev.native_numbers + ev.text_numbers;
    let temporal_text = ev.dates + ev.datetimes + ev.times;
    let temporal_native = ev.native_dates + ev.native_datetimes + ev.native_times;
    let mut temporal = temporal_text + temporal_native;
    let bool_words = ev.native_bools + ev.text_bools;
    let zero_one_booleans = bool_words > 0 && numbers > 0 && ev.zero_one == numbers;
    let booleans = bool_words + if zero_one_booleans { numbers } else { 0 };
    // Serials: a date column with a few numbers that lost their format, or
    // a column of whole numbers in the serial range under a date header.
    let all_serial = numbers > 0 && ev.serial_range == numbers;
    let serial_dates = all_serial
        && (temporal >= numbers || (temporal == 0 && looks_like_date_header(&column.name)));
    let mut numeric = numbers;
    if serial_dates {
        temporal += numbers;
        numeric = 0;
    }
    let candidates = [
        (Family::Numeric, numeric),
        (Family::Temporal, temporal),
        (Family::Boolean, booleans),
        (Family::Duration, ev.durations),
        (Family::Email, ev.emails),
        (Family::Url, ev.urls),
        (Family::Phone, ev.phones),
        (Family::Text, ev.texts.iter().map(|&(_, n)| n).sum()),
    ];
    let (family, best) =
        candidates.into_iter().fold(
            (Family::Text, 0),
            |acc, c| if c.1 > acc.1 { c } else { acc },
        );

    let mut analysis = ColumnAnalysis {
        kind: ColumnType::Empty,
        number_locale: None,
        locale_from_evidence: false,
        date_order: None,
        order_from_evidence: false,
        currency: None,
        currency_forms: Vec::new(),
        unit: None,
        holds_fractions: false,
        percent_points: false,
        text_case: None,
        missing_tokens: Vec::new(),
        zero_one_booleans: family == Family::Boolean && zero_one_booleans,
        serial_dates: family == Family::Temporal && serial_dates,
    };
    if best > 0 {
        analysis.kind = match family {
            Family::Numeric => ColumnType::Decimal,
            Family::Temporal => ColumnType::Date,
            Family::Boolean => ColumnType::Boolean,
            Family::Duration => ColumnType::Duration,
            Family::Email => ColumnType::Email,
            Family::Url => ColumnType::Url,
            Family::Phone => ColumnType::Phone,
            Family::Text => ColumnType::Text,
        };
    }

    if ev.text_numbers > 0 {
        let mut best = NumberLocale::CommaPoint;
        for locale in NumberLocale::ALL {
            if ev.locale_valid[locale as usize] > ev.locale_valid[best as usize] {
                best = locale;
            }
        }
        let rival = NumberLocale::ALL
            .iter()
            .filter(|l| l.decimal() != best.decimal())
            .map(|&l| ev.locale_valid[l as usize])
            .max()
            .unwrap_or(0);
        analysis.number_locale = Some(best);
        analysis.locale_from_evidence = ev.locale_valid[best as usize] > rival;
    }
    if ev.dmy + ev.mdy > 0 || temporal_text > 0 {
        let (order, evidence) = if ev.dmy > ev.mdy {
            (DateOrder::Dmy, true)
        } else if ev.mdy > ev.dmy {
            (DateOrder::Mdy, true)
        } else if ev.dotted > 0 || analysis.number_locale.is_some_and(|l| l.decimal() == ',') {
            // Dotted dates and decimal commas are European conventions.
            (DateOrder::Dmy, false)
        } else {
            (DateOrder::Mdy, false)
        };
        analysis.date_order = Some(order);
        analysis.order_from_evidence = evidence;
    }

    match family {
        Family::Numeric if best > 0 => refine_numeric(column, ev, &mut analysis),
        Family::Temporal if best > 0 => {
            analysis.kind = if ev.times + ev.native_times == temporal {
                ColumnType::Time
            } else if ev.datetimes + ev.native_datetimes > 0 {
                ColumnType::Datetime
            } else {
                ColumnType::Date
            };
        }
        Family::Text if best > 0 => refine_text(ev, &mut analysis),
        _ => {}
    }

    // Unambiguous placeholders always mean missing; the others (`-`,
    // `none`, `empty`) do in a typed column, or in a text column that uses
    // one of them consistently.
    let likely: Vec<(&String, usize)> = ev
        .placeholders
        .iter()
        .filter(|(_, (kind, _))| *kind == Placeholder::Likely)
        .map(|(token, (_, n))| (token, *n))
        .collect();
    let typed = !analysis.is_textual() && analysis.kind != ColumnType::Empty;
    let consistent = likely.len() == 1 && likely[0].1 >= 2;
    analysis.missing_tokens = ev
        .placeholders
        .iter()
        .filter(|(_, (kind, _))| *kind == Placeholder::Certain || typed || consistent)
        .map(|(token, _)| token.clone())
        .collect();
    analysis
}

fn refine_numeric(column: &Column, ev: &Evidence, analysis: &mut ColumnAnalysis) {
    let numbers = ev.native_numbers + ev.text_numbers;
    let currency_cells: usize = ev.currencies.values().sum();
    let unit_cells: usize = ev.units.values().sum();
    (analysis.currency, analysis.currency_forms) = column_currency(&ev.currencies);
    if unit_cells * 2 >= ev.text_numbers.max(1) {
        analysis.unit = dominant(&ev.units).cloned();
    }
    let locale = analysis.number_locale.unwrap_or(NumberLocale::CommaPoint);
    // The text numbers were read in every locale while scanning; the
    // native numbers are the same in all of them.
    let mut readings = ev.readings[locale as usize];
    for cell in &column.cells {
        if let Cell::Number(n) = cell {
            readings.add(*n, false, false, 1);
        }
    }
    let LocaleReadings {
        integral,
        plain,
        plain_fractions,
        percents,
        points,
    } = readings;
    analysis.holds_fractions = plain > 0 && plain_fractions;
    analysis.percent_points = points * 2 >= percents && percents > 0;
    analysis.kind = if ev.percent * 2 >= numbers && ev.percent > 0 {
        ColumnType::Percentage
    } else if currency_cells * 2 >= numbers && currency_cells > 0 {
        ColumnType::Currency
    } else if integral {
        ColumnType::Integer
    } else {
        ColumnType::Decimal
    };
}

/// The column's currency and the forms it writes it in, from how many
/// cells write each sign or code.
///
/// A sign and a code of one currency (`€` and `EUR`, `US$` and `USD`) are
/// the same currency. A sign several currencies share (`$`, `¥`, `kr`)
/// joins the one code among its candidates that the column writes, and
/// only when there is exactly one: beside `USD` alone, `$` is a US dollar;
/// beside both `USD` and `CAD` it could be either, so rather than merging
/// silently it stays a currency of its own, and every currency but the
/// dominant one is reported as non-conforming. Codes of other currencies
/// (`EUR` beside `$` and `USD`) do not make `$` ambiguous.
///
/// The currency is reported by its ISO code when any cell writes the code,
/// since the code is unambiguous and the number format written back then
/// says which dollar it is; otherwise by its dominant sign as written (a
/// column of `€` and `12 €` stays `€`).
fn column_currency(counts: &BTreeMap<&'static str, usize>) -> (Option<String>, Vec<String>) {
    let codes: BTreeSet<&'static str> = counts
        .keys()
        .filter_map(|&form| match currency_meaning(form) {
            CurrencyMeaning::Code(code) => Some(code),
            CurrencyMeaning::AnyOf(_) => None,
        })
        .collect();
    // A shared sign that no single written code settles stays a currency
    // of its own (`kr` and `kr.` one and the same).
    let denoted = |form: &'static str| -> CurrencyMeaning {
        let meaning = currency_meaning(form);
        if let CurrencyMeaning::AnyOf(candidates) = meaning {
            let mut written = candidates.iter().filter(|code| codes.contains(*code));
            if let (Some(&only), None) = (written.next(), written.next()) {
                return CurrencyMeaning::Code(only);
            }
        }
        meaning
    };
    let mut by_currency: BTreeMap<CurrencyMeaning, usize> = BTreeMap::new();
    for (&form, &n) in counts {
        *by_currency.entry(denoted(form)).or_default() += n;
    }
    let Some(&currency) = dominant(&by_currency) else {
        return (None, Vec::new());
    };
    let forms: BTreeMap<&'static str, usize> = counts
        .iter()
        .filter(|&(&form, _)| denoted(form) == currency)
        .map(|(&form, &n)| (form, n))
        .collect();
    let reported = match currency {
        CurrencyMeaning::Code(code) if forms.contains_key(code) => code,
        _ => dominant(&forms).copied().unwrap_or_default(),
    };
    (
        Some(reported.to_owned()),
        forms.into_keys().map(str::to_owned).collect(),
    )
}

fn dominant<K: Ord>(counts: &BTreeMap<K, usize>) -> Option<&K> {
    // BTreeMap order makes the tie-break deterministic: first key wins.
    let mut best: Option<(&K, usize)> = None;
    for (k, &n) in counts {
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((k, n));
        }
    }
    best.map(|(k, _)| k)
}

/// A text column is a category when it has at most this many distinct values
/// and each repeats on average at least twice.
const CATEGORY_MAX_DISTINCT: usize = 50;

/// Letters become `A`, digits `9`, runs collapse: `INV-0042` → `A-9`.
fn shape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let class = if c.is_alphabetic() {
            'A'
        } else if c.is_ascii_digit() {
            '9'
        } else {
            c
        };
        if !out.ends_with(class) || !(class == 'A' || class == '9') {
            out.push(class);
        }
    }
    out
}

fn refine_text(ev: &Evidence, analysis: &mut ColumnAnalysis) {
    // Distinct texts (trimmed, so distinct strings) with their counts.
    let texts = &ev.texts;
    let count: usize = texts.iter().map(|&(_, n)| n).sum();
    let distinct = texts.len();
    let with_digit: usize = texts
        .iter()
        .filter(|(t, _)| t.bytes().any(|b| b.is_ascii_digit()))
        .map(|&(_, n)| n)
        .sum();
    let with_space: usize = texts
        .iter()
        .filter(|(t, _)| t.contains(' '))
        .map(|&(_, n)| n)
        .sum();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    for &(t, n) in texts {
        *shapes.entry(shape(t)).or_default() += n;
    }
    let top_shape = shapes.values().copied().max().unwrap_or(0);
    let identifier = count >= 3
        && distinct * 10 >= count * 9
        && with_digit * 10 >= count * 9
        && with_space * 10 <= count
        && top_shape * 10 >= count * 8;
    analysis.kind = if identifier {
        ColumnType::Identifier
    } else if distinct <= CATEGORY_MAX_DISTINCT && distinct * 2 <= count {
        ColumnType::Category
    } else {
        ColumnType::Text
    };
    if analysis.kind == ColumnType::Identifier {
        return;
    }
    // Case is a convention of names and labels, not of sentences.
    let words: usize = texts
        .iter()
        .map(|&(t, n)| t.split_whitespace().count() * n)
        .sum();
    if count == 0 || words > count * 4 {
        return;
    }
    let mut cases: BTreeMap<TextCase, usize> = BTreeMap::new();
    for &(t, n) in texts {
        if let Some(case) = case_of(t) {
            *cases.entry(case).or_default() += n;
        }
    }
    let classified: usize = cases.values().sum();
    if let Some(&case) = dominant(&cases)
        && cases[&case] * 10 >= classified * 6
        && classified * 2 >= count
    {
        analysis.text_case = Some(case);
    }
}

/// Reads one cell under its column's conventions.
pub fn read_cell(cell: &Cell, a: &ColumnAnalysis) -> Reading {
    match cell {
        Cell::Empty => return Reading::Missing,
        Cell::Text(t) if trim(t).is_empty() => return Reading::Missing,
        Cell::Error(e) if &**e == "#N/A" => return Reading::Placeholder,
        Cell::Error(_) => return Reading::NonConforming,
        Cell::Text(t) if a.is_missing_token(t) => return Reading::Placeholder,
        _ => {}
    }
    match a.kind {
        ColumnType::Integer
        | ColumnType::Decimal
        | ColumnType::Currency
        | ColumnType::Percentage => read_numeric(cell, a),
        ColumnType::Date | ColumnType::Datetime | ColumnType::Time => read_temporal(cell, a),
        ColumnType::Boolean => match cell {
            Cell::Bool(_) => value(cell.clone()),
            Cell::Text(t) => match parse_bool(t) {
                Some(b) => value(Cell::Bool(b)),
                None if a.zero_one_booleans => {
                    match parse_number(t).and_then(|n| n.unambiguous_value()) {
                        Some(v) if v == 0.0 || v == 1.0 => {
                            judged(Cell::Bool(v == 1.0), 0.9, "1/0 in a yes/no column")
                        }
                        _ => Reading::NonConforming,
                    }
                }
                None => Reading::NonConforming,
            },
            Cell::Number(n) if a.zero_one_booleans && (*n == 0.0 || *n == 1.0) => {
                judged(Cell::Bool(*n == 1.0), 0.9, "1/0 in a yes/no column")
            }
            _ => Reading::NonConforming,
        },
        ColumnType::Duration => match cell {
            Cell::Duration(_) => value(cell.clone()),
            _ => Reading::NonConforming,
        },
        ColumnType::Email => match cell {
            Cell::Text(t) if is_email(t) => value(Cell::Text(t.trim().to_lowercase().into())),
            _ => Reading::NonConforming,
        },
        ColumnType::Url => match cell {
            Cell::Text(t) if is_url(t) => value(Cell::Text(t.trim().into())),
            _ => Reading::NonConforming,
        },
        ColumnType::Phone => match cell {
            Cell::Text(t) if is_phone(t) => value(Cell::Text(collapse(t))),
            _ => Reading::NonConforming,
        },
        ColumnType::Text | ColumnType::Category | ColumnType::Identifier | ColumnType::Empty => {
            match cell {
                Cell::Text(t) => value(Cell::Text(collapse(t))),
                other => value(other.clone()),
            }
        }
    }
}

/// An unchanged text is cloned, which for short text copies the cell's
/// bytes without allocating.
fn collapse(text: &Text) -> Text {
    match crate::parse::text::collapse_whitespace(text) {
        Some(collapsed) => collapsed.into(),
        None => text.clone(),
    }
}

fn read_numeric(cell: &Cell, a: &ColumnAnalysis) -> Reading {
    let locale = a.number_locale.unwrap_or(NumberLocale::CommaPoint);
    let percent_column = a.kind == ColumnType::Percentage;
    let text = match cell {
        Cell::Number(_) => return value(cell.clone()),
        Cell::Text(t) => t,
        _ => return Reading::NonConforming,
    };
    let Some(token) = parse_number(text) else {
        return Reading::NonConforming;
    };
    if token.leading_zero {
        return Reading::NonConforming;
    }
    if let Some(found) = token.currency
        && !a.conforms_to_currency(found)
    {
        // Converting between currencies needs a rate; leave it to a person.
        return Reading::NonConforming;
    }
    if let Some(found) = &token.unit
        && a.unit.as_deref() != Some(found.to_lowercase().as_str())
    {
        return Reading::NonConforming;
    }
    let (mut v, mut confidence, mut note): (f64, f64, Option<&str>) = match token.value(locale) {
        Some(v) if token.unambiguous_value().is_some() => (v, 1.0, None),
        Some(v) if a.locale_from_evidence => (
            v,
            0.95,
            Some("ambiguous separators read in the column's number format"),
        ),
        Some(v) => (
            v,
            0.75,
            Some("ambiguous separators; no cell of the column settles the format"),
        ),
        None => match token.unambiguous_value() {
            Some(v) => (
                v,
                0.85,
                Some("number written in another format than the column's"),
            ),
            None => return Reading::NonConforming,
        },
    };
    // Dividing by 100 or reading more digits than a double holds needs
    // rounding back to what a person wrote; a plain decimal of at most 15
    // digits is already its nearest double, which that rounding gives back.
    let mut exact = token.digits <= 15;
    if percent_column {
        if token.percent {
            v /= 100.0;
            exact = false;
        } else if a.percent_points && v.abs() <= 1.0 {
            note = Some("bare fraction in a percentage column");
            confidence = confidence.min(0.8);
        } else {
            v /= 100.0;
            exact = false;
            note = Some("bare number in a percentage column");
            confidence = confidence.min(0.8);
        }
    } else if token.percent {
        if a.holds_fractions && v.abs() <= 1.0 {
            note = Some("stray % on a column of fractions: decoration");
            confidence = confidence.min(0.8);
        } else {
            v /= 100.0;
            exact = false;
            note = Some("percentage in a number column");
            confidence = confidence.min(0.8);
        }
    }
    let cell = Cell::Number(if exact && v != 0.0 {
        v
    } else {
        normalize_float(v)
    });
    match note {
        None => value(cell),
        Some(note) => judged(cell, confidence, note),
    }
}

/// Dividing by 100 leaves binary noise (`0.07 / 100`); rounding to 15
/// significant digits gives back the number a person wrote.
fn normalize_float(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    if !v.is_finite() {
        return v;
    }
    let text = format!("{v:.14e}");
    text.parse().unwrap_or(v)
}

fn read_temporal(cell: &Cell, a: &ColumnAnalysis) -> Reading {
    let order = a.date_order.unwrap_or(DateOrder::Mdy);
    match cell {
        Cell::DateTime(_) => value(cell.clone()),
        Cell::Number(n) if a.serial_dates && SERIAL_RANGE.contains(n) => judged(
            Cell::DateTime(*n),
            0.9,
            "Excel date serial without a date format",
        ),
        Cell::Text(t) => {
            if let Some(token) = parse_date(t) {
                let Some(serial) = token.serial(order) else {
                    return Reading::NonConforming;
                };
                if a.kind == ColumnType::Time && token.kind != TemporalKind::Time {
                    return Reading::NonConforming;
                }
                let cell = Cell::DateTime(serial);
                return if !token.is_ambiguous() {
                    value(cell)
                } else if a.order_from_evidence {
                    judged(cell, 0.95, "day/month order taken from the column")
                } else {
                    judged(
                        cell,
                        0.7,
                        "day/month order assumed; no day above 12 in the column",
                    )
                };
            }
            if a.serial_dates
                && let Some(v) = parse_number(t).and_then(|n| n.unambiguous_value())
                && v.fract() == 0.0
                && SERIAL_RANGE.contains(&v)
            {
                return judged(
                    Cell::DateTime(v),
                    0.9,
                    "Excel date serial without a date format",
                );
            }
            Reading::NonConforming
        }
        _ => Reading::NonConforming,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(values: &[&str]) -> ColumnAnalysis {
        analyze_named("c", values)
    }

    fn analyze_named(name: &str, values: &[&str]) -> ColumnAnalysis {
        let cells = values
            .iter()
            .map(|v| {
                if v.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text((*v).into())
                }
            })
            .collect();
        analyze_column(&Column::new(name, cells))
    }

    fn read(a: &ColumnAnalysis, text: &str) -> Option<Cell> {
        match read_cell(&Cell::Text(text.into()), a) {
            Reading::Value { cell, .. } => Some(cell),
            _ => None,
        }
    }

    #[test]
    fn european_numbers_are_decided_by_the_column() {
        let a = analyze(&["1.234,56", "1,5", "12,00", "1.234"]);
        assert_eq!(a.kind, ColumnType::Decimal);
        assert_eq!(a.number_locale, Some(NumberLocale::PointComma));
        assert!(a.locale_from_evidence);
        assert_eq!(read(&a, "1.234"), Some(Cell::Number(1234.0)));
        assert_eq!(read(&a, "1,5"), Some(Cell::Number(1.5)));
        // The minority written the other way is still understood.
        assert_eq!(read(&a, "2,345.60"), Some(Cell::Number(2345.6)));

        let a = analyze(&["1,234.56", "1,234", "7.5"]);
        assert_eq!(a.number_locale, Some(NumberLocale::CommaPoint));
        assert_eq!(read(&a, "1,234"), Some(Cell::Number(1234.0)));

        let a = analyze(&["1 234,56", "12 000", "3,5"]);
        assert_eq!(a.number_locale, Some(NumberLocale::SpaceComma));
        let a = analyze(&["1'234.56", "12'000", "3.5"]);
        assert_eq!(a.number_locale, Some(NumberLocale::ApostrophePoint));
    }

    #[test]
    fn day_month_order_is_decided_by_the_column() {
        let a = analyze(&["03/04/2024", "15/04/2024", "01/02/2024"]);
        assert_eq!(a.kind, ColumnType::Date);
        assert_eq!(a.date_order, Some(DateOrder::Dmy));
        let serial = |y, m, d| {
            Cell::DateTime(crate::parse::date::date_to_serial(
                chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            ))
        };
        assert_eq!(read(&a, "03/04/2024"), Some(serial(2024, 4, 3)));
        let a = analyze(&["03/04/2024", "04/15/2024"]);
        assert_eq!(a.date_order, Some(DateOrder::Mdy));
        assert_eq!(read(&a, "03/04/2024"), Some(serial(2024, 3, 4)));
        let a = analyze(&["03.04.2024", "01.02.2024"]);
        assert_eq!(
            (a.date_order, a.order_from_evidence),
            (Some(DateOrder::Dmy), false)
        );
    }

    #[test]
    fn rich_types() {
        assert_eq!(
            analyze(&["5%", "12.5 %", "7%"]).kind,
            ColumnType::Percentage
        );
        let a = analyze(&["$1,234.56", "$12", "(1,000.00)"]);
        assert_eq!(
            (a.kind, a.currency.as_deref()),
            (ColumnType::Currency, Some("$"))
        );
        assert_eq!(read(&a, "(1,000.00)"), Some(Cell::Number(-1000.0)));
        assert_eq!(
            analyze(&["EUR 12", "5 EUR", "7,50 EUR"]).kind,
            ColumnType::Currency
        );
        assert_eq!(analyze(&["1", "2", "30"]).kind, ColumnType::Integer);
        assert_eq!(analyze(&["1.50", "2.00"]).kind, ColumnType::Decimal);
        assert_eq!(analyze(&["yes", "no", "Y", "1"]).kind, ColumnType::Boolean);
        assert_eq!(analyze(&["1", "0", "1"]).kind, ColumnType::Integer);
        assert_eq!(
            analyze(&["a@x.com", "b@y.org", "nope"]).kind,
            ColumnType::Email
        );
        assert_eq!(
            analyze(&["+1 415 555 0100", "(415) 555-0199"]).kind,
            ColumnType::Phone
        );
        assert_eq!(
            analyze(&["https://a.com", "www.b.org"]).kind,
            ColumnType::Url
        );
        assert_eq!(analyze(&["10:30", "2:15 PM"]).kind, ColumnType::Time);
        assert_eq!(
            analyze(&["2024-01-01 10:00", "2024-01-02"]).kind,
            ColumnType::Datetime
        );
        assert_eq!(
            analyze(&["INV-001", "INV-002", "INV-003", "INV-004"]).kind,
            ColumnType::Identifier
        );
        assert_eq!(
            analyze(&["02134", "10001", "02139", "60601"]).kind,
            ColumnType::Identifier
        );
        let a = analyze(&["12.0 oz", "5 oz", "7oz"]);
        assert_eq!(
            (a.kind, a.unit.as_deref()),
            (ColumnType::Decimal, Some("oz"))
        );
        assert_eq!(read(&a, "7oz"), Some(Cell::Number(7.0)));
        assert_eq!(read(&a, "7 kg"), None);
    }

    fn nonconforming(a: &ColumnAnalysis, text: &str) -> bool {
        read_cell(&Cell::Text(text.into()), a) == Reading::NonConforming
    }

    #[test]
    fn a_sign_and_the_code_of_one_dollar_are_one_currency() {
        let texts = ["USD 11,282.48", "$1,200.00", "(1,234.56)", "USD 5.00"];
        let a = analyze_named("Amount USD", &texts);
        assert_eq!(a.kind, ColumnType::Currency);
        // The code is reported: unlike `$`, it says which dollar.
        assert_eq!(a.currency.as_deref(), Some("USD"));
        assert_eq!(a.currency_forms, ["$", "USD"]);
        assert_eq!(a.excel_format().as_deref(), Some("#,##0.00 \"USD\""));
        let values: Vec<Option<Cell>> = texts.iter().map(|t| read(&a, t)).collect();
        let numbers = [11282.48, 1200.0, -1234.56, 5.0].map(|v| Some(Cell::Number(v)));
        assert_eq!(values, numbers);

        // The same with `$` dominant: the minority written `USD` conforms.
        let a = analyze(&["$1,234.56", "18,543.18", "$12.00", "USD 11,282.48"]);
        assert_eq!(a.currency.as_deref(), Some("USD"));
        assert_eq!(read(&a, "USD 11,282.48"), Some(Cell::Number(11282.48)));
        assert_eq!(read(&a, "$1,234.56"), Some(Cell::Number(1234.56)));
        // A dollar the column does not write is still another currency.
        assert!(nonconforming(&a, "CAD 5.00"));
        assert!(nonconforming(&a, "€5.00"));

        // Without a code the sign is reported as written, as before.
        let a = analyze(&["$1,234.56", "$12", "(1,000.00)"]);
        assert_eq!(a.currency.as_deref(), Some("$"));
        assert!(nonconforming(&a, "USD 5"));
    }

    #[test]
    fn a_sign_and_the_code_of_the_euro_are_one_currency_on_either_side() {
        let texts = ["12,50 €", "EUR 12,50", "12,50 EUR", "€ 1.234,50", "7,00"];
        let a = analyze(&texts);
        assert_eq!(a.kind, ColumnType::Currency);
        assert_eq!(a.number_locale, Some(NumberLocale::PointComma));
        assert_eq!(a.currency.as_deref(), Some("EUR"));
        assert_eq!(a.currency_forms, ["EUR", "€"]);
        let values: Vec<Option<Cell>> = texts.iter().map(|t| read(&a, t)).collect();
        let numbers = [12.5, 12.5, 12.5, 1234.5, 7.0].map(|v| Some(Cell::Number(v)));
        assert_eq!(values, numbers);
        assert!(nonconforming(&a, "£12,50"));
        assert!(nonconforming(&a, "12,50 GBP"));

        // Unambiguous signs and their codes, one pair at a time.
        for (sign, code) in [
            ("£", "GBP"),
            ("₹", "INR"),
            ("₩", "KRW"),
            ("₽", "RUB"),
            ("₺", "TRY"),
            ("₪", "ILS"),
            ("Fr.", "CHF"),
            ("US$", "USD"),
        ] {
            let (signed, coded) = (format!("{sign} 12.50"), format!("12.50 {code}"));
            let a = analyze(&[signed.as_str(), signed.as_str(), coded.as_str()]);
            assert_eq!(a.currency.as_deref(), Some(code), "{sign}");
            assert_eq!(read(&a, &signed), Some(Cell::Number(12.5)), "{sign}");
            assert_eq!(read(&a, &coded), Some(Cell::Number(12.5)), "{sign}");
        }
    }

    #[test]
    fn a_shared_sign_beside_two_of_its_codes_is_not_merged() {
        let a = analyze(&[
            "USD 10.00",
            "USD 20.00",
            "USD 5.00",
            "CAD 7.00",
            "$3.00",
            "$4.00",
        ]);
        assert_eq!(a.currency.as_deref(), Some("USD"));
        assert_eq!(a.currency_forms, ["USD"]);
        assert_eq!(read(&a, "USD 10.00"), Some(Cell::Number(10.0)));
        // `$` could be either dollar: it stays as written, like `CAD`.
        assert!(nonconforming(&a, "CAD 7.00"));
        assert!(nonconforming(&a, "$3.00"));

        // When the unresolved sign dominates, it is the column's currency
        // and both codes are the minority.
        let a = analyze(&["$1", "$2", "$3", "$4", "USD 5", "CAD 6"]);
        assert_eq!(a.currency.as_deref(), Some("$"));
        assert!(nonconforming(&a, "USD 5"));
        assert!(nonconforming(&a, "CAD 6"));

        // `¥` is the yen or the yuan: settled by one code, not by two.
        let a = analyze(&["¥1,200", "¥300", "JPY 500"]);
        assert_eq!(a.currency.as_deref(), Some("JPY"));
        assert_eq!(read(&a, "¥300"), Some(Cell::Number(300.0)));
        let a = analyze(&["¥1,200", "¥300", "¥7", "JPY 500", "CNY 20"]);
        assert_eq!(a.currency.as_deref(), Some("¥"));
        assert!(nonconforming(&a, "JPY 500"));
        assert!(nonconforming(&a, "CNY 20"));

        // A code of another currency does not make `$` ambiguous.
        let a = analyze(&["$1", "$2", "USD 3", "EUR 4"]);
        assert_eq!(a.currency.as_deref(), Some("USD"));
        assert!(!nonconforming(&a, "$1"));
        assert!(nonconforming(&a, "EUR 4"));
    }

    #[test]
    fn percentages_become_fractions_and_stray_percent_is_decoration() {
        let a = analyze(&["5%", "12.5 %", "7"]);
        assert_eq!(read(&a, "5%"), Some(Cell::Number(0.05)));
        assert_eq!(read(&a, "12.5 %"), Some(Cell::Number(0.125)));
        assert_eq!(read(&a, "7"), Some(Cell::Number(0.07)));
        let a = analyze(&["0.05", "0.12", "0.5", "0.07%"]);
        assert_eq!(a.kind, ColumnType::Decimal);
        assert_eq!(read(&a, "0.07%"), Some(Cell::Number(0.07)));
    }

    #[test]
    fn placeholders_mean_missing_where_the_column_says_so() {
        let a = analyze(&["12.5", "N/A", "-", "7", "?"]);
        assert_eq!(a.kind, ColumnType::Decimal);
        for p in ["N/A", "-", "?", "n/a"] {
            assert_eq!(read_cell(&Cell::Text(p.into()), &a), Reading::Placeholder);
        }
        // In free text a lone dash may be content; a consistent one is not.
        let a = analyze(&["alpha", "beta", "-", "gamma"]);
        assert!(!a.is_missing_token("-"));
        let a = analyze(&["alpha", "empty", "beta", "empty", "gamma"]);
        assert!(a.is_missing_token("empty"));
        let a = analyze(&["alpha", "NULL", "beta"]);
        assert!(a.is_missing_token("null"));
    }

    #[test]
    fn serial_dates_are_recognised() {
        let cells = vec![
            Cell::DateTime(45306.0),
            Cell::DateTime(45307.0),
            Cell::Number(45308.0),
        ];
        let a = analyze_column(&Column::new("When", cells));
        assert_eq!((a.kind, a.serial_dates), (ColumnType::Date, true));
        let a = analyze_named("Invoice date", &["45306", "45310"]);
        assert_eq!(a.kind, ColumnType::Date);
        assert_eq!(
            analyze_named("Amount", &["45306", "45310"]).kind,
            ColumnType::Integer
        );
    }

    #[test]
    fn case_style_of_names() {
        let a = analyze(&[
            "Ada Lovelace",
            "Alan Turing",
            "grace hopper",
            "Seán O'Brien",
        ]);
        assert_eq!(a.text_case, Some(TextCase::Title));
        let a = analyze(&["ok", "fine", "good"]);
        assert_eq!(a.text_case, Some(TextCase::Lower));
    }
}
