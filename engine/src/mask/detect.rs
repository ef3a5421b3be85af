//! The recognisers. Each one walks the text once (byte offsets internally,
//! converted to code points at the end); candidates from all of them are
//! then resolved into non-overlapping findings, best score first.

use std::borrow::Cow;
use std::str::FromStr;

use super::names::{is_common_first_name, is_first_name, is_name_stopword, is_surname};
use super::{Finding, PiiType};
use crate::parse::{parse_date, placeholder_kind};

/// What a column's header and values say about the data in it. Built once
/// per column; [`ColumnContext::default`] is free text with no header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnContext {
    pub header: String,
    /// The type the header names (`E-mail`, `IBAN`, `Date of birth`).
    pub hint: Option<PiiType>,
    /// How strongly the column holds person names, from the header and
    /// the values: 0 none, 1 maybe (`Customer`, or values that look like
    /// names), 2 yes (`Full name`, or a maybe-header such as `Contact`
    /// over values nearly all shaped like names).
    pub person: u8,
    /// The header names identifiers, amounts or timestamps (`Order #`,
    /// `Invoice`, `Amount`, `Created at`): bare digit runs there are not
    /// cards, phones or SSNs.
    pub id_like: bool,
    /// Share of sampled values that are plain numbers.
    pub numeric_share: f64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HeaderHint {
    None,
    Type(PiiType),
    /// Zip or postcode: an address part, weaker.
    Postcode,
}

fn normalize_header(header: &str) -> String {
    let mut out = String::with_capacity(header.len() + 2);
    out.push(' ');
    let mut space = true;
    for c in header.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '#' {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if !space {
        out.push(' ');
    }
    out
}

fn has_word(h: &str, words: &[&str]) -> bool {
    words.iter().any(|w| h.contains(&format!(" {w} ")))
}

fn has_part(h: &str, parts: &[&str]) -> bool {
    parts.iter().any(|p| h.contains(p))
}

fn header_hint(h: &str) -> HeaderHint {
    use PiiType::*;
    let t = |ty| HeaderHint::Type(ty);
    if has_part(h, &["e-mail", "email", "e mail", "courriel"]) || has_word(h, &["mail"]) {
        return t(Email);
    }
    if has_part(h, &["iban"]) {
        return t(Iban);
    }
    if has_part(h, &["swift", " bic "]) {
        return t(SwiftBic);
    }
    if has_part(h, &["social security", " ssn", "ssn "]) {
        return t(UsSsn);
    }
    if has_part(
        h,
        &["birth", "geburt", "naissance", "nacimiento", "nascita"],
    ) || has_word(h, &["dob", "d o b"])
    {
        return t(DateOfBirth);
    }
    if has_part(
        h,
        &[
            "password", "passwort", "passwd", "secret", "api key", "apikey", "token",
        ],
    ) || has_word(h, &["pwd", "access key", "private key"])
    {
        return t(Secret);
    }
    if has_word(h, &["ip", "ipv4", "ipv6", "ip address", "ip addr"]) {
        return t(IpAddress);
    }
    if has_part(
        h,
        &["phone", "telefon", "téléphone", "mobile", "handy", "fax"],
    ) || has_word(h, &["tel", "cell", "mob", "ph"])
    {
        return t(Phone);
    }
    if has_part(
        h,
        &[
            "credit card",
            "card number",
            "card no",
            "kreditkarte",
            "carte",
        ],
    ) || has_word(h, &["card", "cc", "pan", "cc number", "card #"])
    {
        return t(CreditCard);
    }
    if has_part(h, &["vat", "ust id", "ustid", "ust-id", "umsatzsteuer"])
        || has_word(h, &["tva", "iva", "btw", "ust", "tax id"])
    {
        return t(VatId);
    }
    if has_part(
        h,
        &[
            "address",
            "street",
            "anschrift",
            "adresse",
            "dirección",
            "direccion",
            "indirizzo",
            "straße",
            "strasse",
        ],
    ) || has_word(h, &["addr", "address line 1", "address line 2"])
    {
        return t(Address);
    }
    if has_part(h, &["postcode", "postal code", "zip", "postleitzahl"]) || has_word(h, &["plz"]) {
        return HeaderHint::Postcode;
    }
    HeaderHint::None
}

/// 2: the header names a person; 1: it may (`Customer`); 0: it does not
/// say; `None`: it names something else (`Company name`).
fn person_header(h: &str) -> Option<u8> {
    let not_person = has_part(
        h,
        &[
            "company",
            "vendor",
            "supplier",
            "product",
            "item",
            "file",
            "sheet",
            "account name",
            "bank",
            "project",
            "cost",
            "department",
            "category",
            "branch",
            "city",
            "country",
            "merchant",
            "business",
            "organi",
            "entity",
            "firm",
            "brand",
            "store",
            "shop",
            "field",
            "column",
            "domain",
            "host",
            "user name",
            "username",
            "login",
            "event",
            "campaign",
            "plan",
            "region",
            "team",
            "group",
            "street",
        ],
    );
    if not_person {
        return None;
    }
    if has_word(
        h,
        &[
            "name",
            "full name",
            "first name",
            "last name",
            "surname",
            "given name",
            "family name",
            "firstname",
            "lastname",
            "fullname",
            "cardholder",
            "card holder",
            "account holder",
            "holder",
            "payee",
            "beneficiary",
            "approver",
            "approved by",
            "salesperson",
            "signatory",
            "recipient",
            "submitted by",
            "requester",
            "requested by",
            "vorname",
            "nachname",
            "nom",
            "prénom",
            "prenom",
            "nombre",
            "apellido",
            "cognome",
            "person",
            "contact person",
            "employee name",
            "customer name",
            "client name",
        ],
    ) || h.ends_with(" name ")
    {
        return Some(2);
    }
    if has_word(
        h,
        &[
            "customer",
            "client",
            "contact",
            "employee",
            "owner",
            "manager",
            "sales rep",
            "rep",
            "buyer",
            "payer",
            "debtor",
            "creditor",
            "tenant",
            "patient",
            "member",
            "staff",
            "assignee",
            "created by",
            "author",
            "kunde",
            "mitarbeiter",
        ],
    ) {
        return Some(1);
    }
    Some(0)
}

fn id_like_header(h: &str) -> bool {
    has_word(
        h,
        &[
            "id",
            "#",
            "no",
            "nr",
            "num",
            "order",
            "invoice",
            "inv",
            "ref",
            "reference",
            "po",
            "transaction",
            "txn",
            "tracking",
            "sku",
            "batch",
            "lot",
            "serial",
            "timestamp",
            "epoch",
            "time",
            "date",
            "created",
            "updated",
            "amount",
            "total",
            "price",
            "balance",
            "qty",
            "quantity",
            "value",
            "sum",
            "code",
            "document",
            "doc",
            "voucher",
            "receipt",
            "ticket",
            "case",
            "shipment",
            "barcode",
            "ean",
            "upc",
            "isbn",
        ],
    ) || has_part(
        h,
        &[
            "order",
            "invoice",
            "rechnung",
            "timestamp",
            "amount",
            "betrag",
        ],
    )
}

fn is_plain_number(s: &str) -> bool {
    let s = s.trim();
    let s = s.strip_prefix('-').unwrap_or(s);
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
        && s.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// Whether a short value has the shape of a person's name: 1–5 words of
/// letters (`O'Brien`, `Anne-Marie`, `J.`), no digits, not a company.
fn name_shape(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.len() > 80 || placeholder_kind(v).is_some() {
        return false;
    }
    let mut words = 0;
    let mut long_word = false;
    for word in v.split(|c: char| c.is_whitespace() || c == ',') {
        if word.is_empty() {
            continue;
        }
        words += 1;
        if !word
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
        {
            return false;
        }
        if word.chars().filter(|c| c.is_alphabetic()).count() >= 2 {
            long_word = true;
        }
        if is_organisation_word(word) {
            return false;
        }
    }
    (1..=5).contains(&words) && long_word
}

fn is_company_word(word: &str) -> bool {
    const SUFFIXES: [&str; 34] = [
        "inc", "inc.", "ltd", "ltd.", "llc", "gmbh", "ag", "sa", "s.a.", "sas", "sarl", "bv",
        "b.v.", "nv", "plc", "corp", "corp.", "co", "co.", "company", "group", "holding",
        "holdings", "limited", "bank", "kg", "spa", "s.p.a.", "srl", "oy", "ab", "as", "pty", "lp",
    ];
    if word.is_ascii() {
        let mut buffer = [0u8; 8];
        return ascii_lowercase(word, &mut buffer).is_some_and(|w| SUFFIXES.contains(&w));
    }
    let lower = word.to_lowercase();
    SUFFIXES.contains(&lower.as_str())
}

fn has_listed_name(value: &str) -> bool {
    value
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .any(|w| !w.is_empty() && (is_first_name(w) || is_surname(w)))
}

impl ColumnContext {
    /// Context from a header and a sample of the column's values.
    pub fn new(header: &str, sample: &[&str]) -> ColumnContext {
        let h = normalize_header(header);
        let mut context = ColumnContext {
            header: header.to_owned(),
            ..ColumnContext::default()
        };
        match header_hint(&h) {
            HeaderHint::Type(t) => context.hint = Some(t),
            HeaderHint::Postcode => context.hint = Some(PiiType::Address),
            HeaderHint::None => {}
        }
        let person = if context.hint.is_none() {
            context.id_like = id_like_header(&h);
            person_header(&h)
        } else {
            None
        };
        context.person = person.unwrap_or(0);
        let values: Vec<&str> = sample
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if !values.is_empty() {
            let n = values.len() as f64;
            let numeric = values.iter().filter(|v| is_plain_number(v)).count();
            context.numeric_share = numeric as f64 / n;
            if person.is_some() && context.person < 2 {
                let shaped = values.iter().filter(|v| name_shape(v)).count() as f64 / n;
                let listed = values
                    .iter()
                    .filter(|v| name_shape(v) && has_listed_name(v))
                    .count() as f64
                    / n;
                // A column of mostly two-word names with known first names
                // is a name column whatever its header says.
                if shaped >= 0.8 && listed >= 0.5 && !context.id_like {
                    context.person = context.person.max(1);
                }
                // A header that may name people (`Contact`, `Employee`)
                // over values nearly all shaped like names, many of them
                // known: a name column, unknown names included.
                if person == Some(1) && shaped >= 0.8 && listed >= 0.3 && !context.id_like {
                    context.person = 2;
                }
            }
        }
        context
    }

    /// A column whose header names `kind`.
    pub fn with_hint(kind: PiiType) -> ColumnContext {
        ColumnContext {
            hint: Some(kind),
            person: u8::from(kind == PiiType::Person) * 2,
            ..ColumnContext::default()
        }
    }

    fn postcode(&self) -> bool {
        self.hint == Some(PiiType::Address) && is_postcode_hint(&normalize_header(&self.header))
    }
}

fn is_postcode_hint(h: &str) -> bool {
    matches!(header_hint(h), HeaderHint::Postcode)
}

// ---------------------------------------------------------------------------

/// A finding with byte offsets, before overlaps are resolved.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    kind: PiiType,
    start: usize,
    end: usize,
    score: f64,
    reason: &'static str,
}

struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// ASCII-lowercased text (same byte offsets), for keyword context;
    /// borrowed when the text has no upper-case ASCII letter.
    lower: Cow<'a, str>,
    context: &'a ColumnContext,
    out: Vec<Candidate>,
    /// Skip recognisers that the cell's bytes rule out (see [`scan_with`]).
    prefilter: bool,
}

impl Scan<'_> {
    fn push(&mut self, kind: PiiType, start: usize, end: usize, score: f64, reason: &'static str) {
        if end > start {
            self.out.push(Candidate {
                kind,
                start,
                end,
                score: score.clamp(0.0, 1.0),
                reason,
            });
        }
    }

    /// Whether one of `words` appears in the `window` bytes before `at`.
    fn keyword_before(&self, at: usize, window: usize, words: &[&str]) -> bool {
        let mut from = at.saturating_sub(window);
        while !self.lower.is_char_boundary(from) {
            from += 1;
        }
        let before = self.lower[from..at.min(self.lower.len())].as_bytes();
        words.iter().any(|w| contains_bytes(before, w.as_bytes()))
    }

    fn byte(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(b' ')
    }

    fn alnum_before(&self, start: usize) -> bool {
        start > 0 && is_word_byte(self.bytes[start - 1])
    }

    fn alnum_after(&self, end: usize) -> bool {
        end < self.bytes.len() && is_word_byte(self.bytes[end])
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

pub(super) fn scan(text: &str, context: &ColumnContext) -> Vec<Finding> {
    scan_with(text, context, true)
}

/// [`scan`], optionally without the cheap byte-class checks that skip
/// recognisers which cannot match: the tests check that skipping changes
/// nothing.
pub(super) fn scan_with(text: &str, context: &ColumnContext, prefilter: bool) -> Vec<Finding> {
    let trimmed = text.trim();
    if trimmed.is_empty() || text.len() > 1_000_000 {
        return Vec::new();
    }
    let mut scan = Scan {
        text,
        bytes: text.as_bytes(),
        lower: if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        },
        context,
        out: Vec::new(),
        prefilter,
    };
    whole_cell(&mut scan);
    let has_digit = scan.bytes.iter().any(u8::is_ascii_digit);
    if scan.bytes.contains(&b'@') {
        emails(&mut scan);
    }
    if has_digit {
        digit_runs(&mut scan);
        ibans(&mut scan);
        // An IPv6 address has at least two colons.
        if !prefilter || scan.bytes.iter().filter(|&&b| b == b':').nth(1).is_some() {
            ipv6(&mut scan);
        }
        dates_of_birth(&mut scan);
    }
    // Every word-level recogniser (BIC, VAT, secrets, passwords, names,
    // addresses) needs a letter: plain numbers, amounts and dates skip them.
    if !prefilter || !scan.text.is_ascii() || scan.bytes.iter().any(u8::is_ascii_alphabetic) {
        words(&mut scan, has_digit);
    }
    resolve(text, scan.out)
}

/// Keeps the best non-overlapping candidates (score, then length, then
/// position decide) and converts byte offsets to code points.
fn resolve(text: &str, mut candidates: Vec<Candidate>) -> Vec<Finding> {
    if candidates.is_empty() {
        return Vec::new();
    }
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(a.kind.cmp(&b.kind))
    });
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        if kept.iter().all(|k| c.end <= k.start || c.start >= k.end) {
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    let ascii = text.is_ascii();
    let to_chars = |byte: usize| {
        if ascii {
            byte
        } else {
            text.get(..byte).map_or(0, |s| s.chars().count())
        }
    };
    kept.into_iter()
        .map(|c| Finding {
            kind: c.kind,
            start: to_chars(c.start),
            end: to_chars(c.end),
            score: (c.score * 100.0).round() / 100.0,
            reason: c.reason,
        })
        .collect()
}

/// The byte span of the trimmed text.
fn trimmed_span(text: &str) -> (usize, usize) {
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    (start, end.max(start))
}

/// Columns whose header says what every value is.
fn whole_cell(scan: &mut Scan) {
    let (start, end) = trimmed_span(scan.text);
    let value = &scan.text[start..end];
    if placeholder_kind(value).is_some() {
        return;
    }
    match scan.context.hint {
        Some(PiiType::DateOfBirth)
            if parse_date(value).is_some() || is_plain_number(value) && value.len() == 8 =>
        {
            scan.push(
                PiiType::DateOfBirth,
                start,
                end,
                0.95,
                "a date in a date-of-birth column",
            );
        }
        Some(PiiType::Address) if value.chars().any(char::is_alphanumeric) => {
            let postcode = scan.context.postcode();
            scan.push(
                PiiType::Address,
                start,
                end,
                if postcode { 0.6 } else { 0.85 },
                if postcode {
                    "a value in a postcode column"
                } else {
                    "a value in an address column"
                },
            );
        }
        Some(PiiType::Secret) if !value.contains(char::is_whitespace) && value.len() >= 4 => {
            scan.push(
                PiiType::Secret,
                start,
                end,
                0.9,
                "a value in a password or key column",
            );
        }
        Some(PiiType::Person) | None if scan.context.person > 0 && name_shape(value) => {
            let listed = has_listed_name(value) || starts_with_title(value);
            let (score, reason) = match (scan.context.person, listed) {
                (2, true) => (0.95, "a known name in a name column"),
                (2, false) => (0.85, "a name-shaped value in a name column"),
                (_, true) => (0.85, "a known name in a person column"),
                (_, false) => (0.0, ""),
            };
            if score > 0.0 && !is_shouting_word(value) {
                scan.push(PiiType::Person, start, end, score, reason);
            }
        }
        Some(PiiType::SwiftBic) => {
            if let Some(score) = bic_score(value, true) {
                scan.push(
                    PiiType::SwiftBic,
                    start,
                    end,
                    score,
                    "BIC format in a SWIFT/BIC column",
                );
            }
        }
        _ => {}
    }
}

/// A single all-caps word such as `N/A`-like codes (`TBD`, `ACME`) in a
/// person column is not a name.
fn is_shouting_word(value: &str) -> bool {
    !value.contains(char::is_whitespace)
        && value.chars().filter(|c| c.is_alphabetic()).count() <= 4
        && value.chars().all(|c| !c.is_lowercase())
}

fn starts_with_title(value: &str) -> bool {
    let first = value.split_whitespace().next().unwrap_or("");
    is_title(first.trim_end_matches('.'))
}

fn is_title(word: &str) -> bool {
    matches!(
        word,
        "Mr" | "Mrs"
            | "Ms"
            | "Miss"
            | "Mx"
            | "Dr"
            | "Prof"
            | "Sir"
            | "Dame"
            | "Herr"
            | "Frau"
            | "Mme"
            | "Mlle"
            | "Monsieur"
            | "Madame"
            | "Sr"
            | "Sra"
            | "Señor"
            | "Señora"
            | "Signor"
            | "Signora"
    )
}

// --- email -----------------------------------------------------------------

fn emails(scan: &mut Scan) {
    let bytes = scan.bytes;
    let mut i = 0;
    let mut last_end = 0;
    while i < bytes.len() {
        if bytes[i] != b'@' {
            i += 1;
            continue;
        }
        let local = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80 || b"._%+-'".contains(&b);
        let domain = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80 || b == b'-' || b == b'.';
        let mut start = i;
        while start > last_end && local(bytes[start - 1]) {
            start -= 1;
        }
        while start < i && bytes[start] == b'.' {
            start += 1;
        }
        let mut end = i + 1;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        while end > i + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let candidate = &scan.text[start..end];
        if start < i && crate::parse::is_email(candidate) {
            let score = if scan.context.hint == Some(PiiType::Email) {
                1.0
            } else {
                0.95
            };
            scan.push(PiiType::Email, start, end, score, "email address syntax");
            last_end = end;
        }
        i = end.max(i + 1);
    }
}

// --- digit runs: cards, SSNs, phones, IPv4 ----------------------------------

const PHONE_WORDS: [&str; 9] = [
    "tel", "phone", "call", "mobile", "cell", "fax", "ph.", "whatsapp", "contact",
];
const CARD_WORDS: [&str; 8] = [
    "card",
    "visa",
    "mastercard",
    "amex",
    "cc",
    "kreditkarte",
    "carte",
    "credit",
];
const SSN_WORDS: [&str; 3] = ["ssn", "social security", "ss#"];

fn digit_runs(scan: &mut Scan) {
    let bytes = scan.bytes;
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        let starts = b.is_ascii_digit()
            || (b == b'+' || b == b'(') && i + 1 < n && bytes[i + 1].is_ascii_digit();
        if !starts {
            i += 1;
            continue;
        }
        // Extend: digits, joined by at most two separator characters.
        let start = i;
        let mut end = i + 1;
        let mut j = i + 1;
        while j < n {
            if bytes[j].is_ascii_digit() {
                j += 1;
                end = j;
                continue;
            }
            let mut k = j;
            while k < n && k - j < 3 && matches!(bytes[k], b' ' | b'-' | b'.' | b'(' | b')' | b'/')
            {
                k += 1;
            }
            if k > j && k - j <= 2 && k < n && bytes[k].is_ascii_digit() {
                j = k;
            } else {
                break;
            }
        }
        // A closing parenthesis right after digits belongs to "(415)".
        classify_digit_run(scan, start, end);
        i = end.max(i + 1);
    }
}

/// The most digits any recogniser here accepts (a 19-digit card).
const MAX_RUN_DIGITS: usize = 19;

/// A digit run taken apart, on the stack: this runs for every number in
/// every scanned cell.
struct DigitRun<'a> {
    text: &'a str,
    digits: [u8; MAX_RUN_DIGITS],
    digit_count: usize,
    /// Lengths of the digit groups between separators.
    groups: [usize; MAX_RUN_DIGITS],
    group_count: usize,
    /// The distinct separator bytes used (a run joins digits with at most
    /// six kinds: space - . ( ) /).
    seps: [u8; 8],
    sep_count: usize,
    plus: bool,
}

impl<'a> DigitRun<'a> {
    /// `None` when the run has more than [`MAX_RUN_DIGITS`] digits.
    fn new(text: &'a str) -> Option<DigitRun<'a>> {
        let mut run = DigitRun {
            text,
            digits: [0; MAX_RUN_DIGITS],
            digit_count: 0,
            groups: [0; MAX_RUN_DIGITS],
            group_count: 0,
            seps: [0; 8],
            sep_count: 0,
            plus: text.starts_with('+'),
        };
        let mut current = 0;
        for b in text.bytes() {
            if b.is_ascii_digit() {
                if run.digit_count == MAX_RUN_DIGITS {
                    return None;
                }
                run.digits[run.digit_count] = b;
                run.digit_count += 1;
                current += 1;
            } else {
                if current > 0 {
                    run.groups[run.group_count] = current;
                    run.group_count += 1;
                }
                current = 0;
                if b != b'+' && !run.seps().contains(&b) && run.sep_count < run.seps.len() {
                    run.seps[run.sep_count] = b;
                    run.sep_count += 1;
                }
            }
        }
        if current > 0 {
            run.groups[run.group_count] = current;
            run.group_count += 1;
        }
        Some(run)
    }

    fn digits(&self) -> &str {
        // Only ASCII digits were copied in.
        std::str::from_utf8(&self.digits[..self.digit_count]).unwrap_or_default()
    }

    fn groups(&self) -> &[usize] {
        &self.groups[..self.group_count]
    }

    fn seps(&self) -> &[u8] {
        &self.seps[..self.sep_count]
    }
}

fn classify_digit_run(scan: &mut Scan, start: usize, end: usize) {
    let text = &scan.text[start..end];
    // Longer runs are no card, phone, SSN or IP address.
    let Some(run) = DigitRun::new(text) else {
        return;
    };
    let count = run.digit_count;
    // Part of a code such as INV-2024-000123 or A1234: not ours.
    let prev = if start > 0 {
        scan.bytes[start - 1]
    } else {
        b' '
    };
    let glued = scan.alnum_after(end)
        || prev.is_ascii_alphanumeric()
        || prev == b'_'
        || prev == b'#'
        || (prev == b'-' || prev == b'/')
            && start >= 2
            && scan.bytes[start - 2].is_ascii_alphanumeric();
    let money = start > 0 && matches!(prev, b'$' | b'\xa3' | b'\xac')
        || text_before(scan, start).ends_with(['$', '€', '£', '¥'])
        || scan.byte(end) == b'%';
    if glued || money {
        return;
    }
    let hint = scan.context.hint;
    let id_column = scan.context.id_like && hint.is_none();

    // IPv4: four dotted octets.
    if run.seps() == [b'.'] && run.groups().len() == 4 && !run.plus {
        if let Ok(ip) = std::net::Ipv4Addr::from_str(text) {
            let _ = ip;
            let score = if hint == Some(PiiType::IpAddress) {
                0.95
            } else {
                0.85
            };
            scan.push(PiiType::IpAddress, start, end, score, "IPv4 address");
        }
        return;
    }
    let is_date = parse_date(text).is_some() || looks_like_compact_datetime(run.digits());

    // Payment cards.
    if (12..=19).contains(&count)
        && !id_column
        && !is_date
        && card_grouping(&run)
        && luhn(run.digits())
        && card_issuer(run.digits()).is_some()
        // Timestamps are written in one piece, cards often in groups.
        && !(run.groups().len() == 1 && epoch_like(run.digits()))
    {
        let context =
            hint == Some(PiiType::CreditCard) || scan.keyword_before(start, 30, &CARD_WORDS);
        if context || !id_word_before(scan, start) {
            let score = if context { 1.0 } else { 0.9 };
            scan.push(
                PiiType::CreditCard,
                start,
                end,
                score,
                "card number: Luhn checksum and issuer prefix",
            );
            return;
        }
    }

    // US social security numbers.
    if count == 9 && !run.plus && !is_date {
        let formatted = run.groups() == [3, 2, 4] && (run.seps() == [b'-'] || run.seps() == [b' ']);
        let context = hint == Some(PiiType::UsSsn) || scan.keyword_before(start, 30, &SSN_WORDS);
        if (formatted || context && run.groups().len() == 1)
            && valid_ssn(run.digits())
            && (context || !id_word_before(scan, start))
        {
            let score = match (formatted, context) {
                (true, true) => 1.0,
                (true, false) => 0.85,
                _ => 0.8,
            };
            scan.push(
                PiiType::UsSsn,
                start,
                end,
                score,
                "SSN format, valid ranges",
            );
            return;
        }
    }

    // Phones.
    let id_like = id_column || id_word_before(scan, start);
    if let Some((score, reason)) = phone_score(scan, start, &run, is_date, id_like) {
        scan.push(PiiType::Phone, start, end, score, reason);
    }
}

fn text_before(scan: &Scan, start: usize) -> &'static str {
    // The last non-space character before `start`, as a static string
    // when it is a currency sign.
    let before = scan.text[..start].trim_end();
    match before.chars().next_back() {
        Some('$') => "$",
        Some('€') => "€",
        Some('£') => "£",
        Some('¥') => "¥",
        _ => "",
    }
}

/// `20240115`, `20240115123045`: a date or date-time without separators.
fn looks_like_compact_datetime(digits: &str) -> bool {
    if !matches!(digits.len(), 8 | 12 | 14) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| digits[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    let date_ok =
        (1900..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day);
    let time_ok = digits.len() < 12 || num(8..10) < 24 && num(10..12) < 60;
    date_ok && time_ok
}

/// Unix time in seconds, milliseconds, microseconds or nanoseconds
/// between 2001 and 2036: `1700000000000` passes Luhn but is a timestamp.
/// (Later instants would swallow Mastercard's 2221–2720 range.)
fn epoch_like(digits: &str) -> bool {
    let seconds_digits = match digits.len() {
        10 | 13 | 16 | 19 => &digits[..10],
        _ => return false,
    };
    let seconds: u64 = seconds_digits.parse().unwrap_or(0);
    (1_000_000_000..2_100_000_000).contains(&seconds)
}

/// Words that introduce an identifier: `Order 4970390521491376`,
/// `Transaction no. 4074481323778519`, `PO 5412…` name an order or a
/// transaction, not a card, a phone or an SSN.
const ID_WORDS: [&str; 27] = [
    "order",
    "orders",
    "invoice",
    "inv",
    "transaction",
    "txn",
    "trx",
    "ref",
    "reference",
    "tracking",
    "po",
    "case",
    "ticket",
    "batch",
    "lot",
    "shipment",
    "booking",
    "confirmation",
    "receipt",
    "voucher",
    "document",
    "doc",
    "serial",
    "sku",
    "article",
    "contract",
    "policy",
];

/// Whether one of the two words before `start` is an [`ID_WORDS`] word
/// (`order no. 123`, `PO #: 123`).
fn id_word_before(scan: &Scan, start: usize) -> bool {
    scan.lower[..start]
        .rsplit(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .take(2)
        .any(|w| ID_WORDS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric())))
}

/// Cards are written in one piece or in groups of 4 (Amex 4-6-5).
fn card_grouping(run: &DigitRun) -> bool {
    if run.plus || run.text.contains(['(', ')', '.', '/']) {
        return false;
    }
    match run.groups().len() {
        1 => true,
        _ => {
            (run.seps() == [b' '] || run.seps() == [b'-'])
                && (run.groups().iter().all(|&g| g == 4 || g == 3) && run.groups()[0] == 4
                    || run.groups() == [4, 6, 5]
                    || run.groups() == [4, 6, 4])
        }
    }
}

pub(super) fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// The issuer a card number's prefix and length belong to.
fn card_issuer(d: &str) -> Option<&'static str> {
    let len = d.len();
    let p = |n: usize| d[..n.min(len)].parse::<u32>().unwrap_or(0);
    let issuer = if d.starts_with('4') && matches!(len, 13 | 16 | 19) {
        "visa"
    } else if ((51..=55).contains(&p(2)) || (2221..=2720).contains(&p(4))) && len == 16 {
        "mastercard"
    } else if matches!(p(2), 34 | 37) && len == 15 {
        "amex"
    } else if (p(4) == 6011 || p(2) == 65 || (644..=649).contains(&p(3)))
        && (16..=19).contains(&len)
    {
        "discover"
    } else if (3528..=3589).contains(&p(4)) && (16..=19).contains(&len) {
        "jcb"
    } else if ((300..=305).contains(&p(3)) || matches!(p(2), 36 | 38 | 39))
        && (14..=19).contains(&len)
    {
        "diners"
    } else if p(2) == 62 && (16..=19).contains(&len) {
        "unionpay"
    } else if (matches!(p(2), 50 | 56 | 57 | 58 | 63 | 67) || p(4) == 6759)
        && (12..=19).contains(&len)
    {
        "maestro"
    } else if (2200..=2204).contains(&p(4)) && (16..=19).contains(&len) {
        "mir"
    } else {
        return None;
    };
    Some(issuer)
}

pub(super) fn valid_ssn(d: &str) -> bool {
    let area: u32 = d[0..3].parse().unwrap_or(0);
    let group: u32 = d[3..5].parse().unwrap_or(0);
    let serial: u32 = d[5..9].parse().unwrap_or(0);
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && d != "123456789"
        && d != "078051120"
        && d != "219099999"
}

/// ITU country calling codes (1 to 3 digits).
fn calling_code_len(d: &str) -> Option<usize> {
    const ONE: [&str; 2] = ["1", "7"];
    const TWO: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if ONE.iter().any(|c| d.starts_with(c)) {
        return Some(1);
    }
    if TWO.iter().any(|c| d.starts_with(c)) {
        return Some(2);
    }
    // Three-digit codes: 21x, 22x, 23x, 24x, 25x, 26x, 29x, 35x, 37x, 38x,
    // 42x, 50x, 59x, 67x, 68x, 69x, 85x, 87x, 88x, 96x, 97x, 99x.
    let three = [
        "21", "22", "23", "24", "25", "26", "29", "35", "37", "38", "42", "50", "59", "67", "68",
        "69", "85", "87", "88", "96", "97", "99",
    ];
    (d.len() >= 3 && three.iter().any(|c| d.starts_with(c))).then_some(3)
}

/// Digit groups like an amount written with thousands separators
/// (`1 234 567`, `12.345.678`).
fn thousands_grouping(run: &DigitRun) -> bool {
    run.groups().len() >= 2
        && run.groups()[0] <= 3
        && run.groups()[1..].iter().all(|&g| g == 3)
        && run.seps().len() == 1
        && matches!(run.seps()[0], b' ' | b'.' | b',')
}

fn phone_score(
    scan: &Scan,
    start: usize,
    run: &DigitRun,
    is_date: bool,
    id_column: bool,
) -> Option<(f64, &'static str)> {
    let count = run.digit_count;
    let header = scan.context.hint == Some(PiiType::Phone);
    if is_date || !(7..=15).contains(&count) || id_column && !run.plus {
        return None;
    }
    let context = header || scan.keyword_before(start, 25, &PHONE_WORDS);
    // A decimal amount: one dot or comma followed by two digits at the end.
    if run.groups().len() == 2 && run.groups()[1] <= 2 && matches!(run.seps(), [b'.'] | [b',']) {
        return None;
    }
    if run.plus || run.digits().starts_with("00") && run.groups().len() > 1 {
        let intl = run
            .digits()
            .strip_prefix("00")
            .filter(|_| !run.plus)
            .unwrap_or(run.digits());
        let cc = calling_code_len(intl)?;
        let national = intl.len() - cc;
        if !(6..=12).contains(&national) || intl.len() < 8 {
            return None;
        }
        return Some((
            if context { 0.95 } else { 0.9 },
            "international phone number",
        ));
    }
    if thousands_grouping(run) && !context {
        return None;
    }
    if scan.context.numeric_share > 0.8 && !header && run.groups().len() == 1 {
        return None;
    }
    let d = run.digits().as_bytes();
    let nanp =
        |d: &[u8]| d.len() == 10 && (b'2'..=b'9').contains(&d[0]) && (b'2'..=b'9').contains(&d[3]);
    let us_shape = run.groups() == [3, 3, 4] || run.groups() == [1, 3, 3, 4] && d[0] == b'1';
    if us_shape {
        let national = if d.len() == 11 { &d[1..] } else { d };
        if nanp(national) {
            return Some((
                if context { 0.95 } else { 0.8 },
                "North American phone number",
            ));
        }
    }
    if d[0] == b'0'
        && d.get(1) != Some(&b'0')
        && (9..=12).contains(&count)
        && run.groups().len() >= 2
    {
        let max_group = run.groups().iter().copied().max().unwrap_or(0);
        if max_group <= 8 && run.groups().iter().all(|&g| g >= 2) {
            return Some((
                if context { 0.9 } else { 0.75 },
                "national phone number with trunk prefix",
            ));
        }
    }
    if header && (7..=15).contains(&count) {
        return Some((0.85, "digits in a phone column"));
    }
    if context && run.groups().len() >= 2 && count >= 8 {
        return Some((0.7, "phone-shaped digits after a phone keyword"));
    }
    None
}

// --- IBAN --------------------------------------------------------------------

fn ibans(scan: &mut Scan) {
    let bytes = scan.bytes;
    let n = bytes.len();
    let mut i = 0;
    while i + 4 <= n {
        let starts = bytes[i].is_ascii_alphabetic()
            && bytes[i + 1].is_ascii_alphabetic()
            && bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit()
            && !scan.alnum_before(i);
        if !starts {
            i += 1;
            continue;
        }
        // Collect up to 34 alphanumerics, allowing single spaces (print
        // format); remember where each group ends.
        let mut electronic = String::with_capacity(34);
        let mut ends: Vec<(usize, usize)> = Vec::new(); // (byte end, chars)
        let mut j = i;
        while j < n && electronic.len() < 34 {
            let b = bytes[j];
            if b.is_ascii_alphanumeric() {
                electronic.push(b.to_ascii_uppercase() as char);
                j += 1;
                if j >= n || !bytes[j].is_ascii_alphanumeric() {
                    ends.push((j, electronic.len()));
                }
            } else if b == b' ' && j + 1 < n && bytes[j + 1].is_ascii_alphanumeric() {
                j += 1;
            } else {
                break;
            }
        }
        let mut found = None;
        for &(end, len) in ends.iter().rev() {
            if len < 15 || scan.alnum_after(end) {
                continue;
            }
            if iban::Iban::from_str(&electronic[..len]).is_ok() {
                found = Some(end);
                break;
            }
        }
        match found {
            Some(end) => {
                scan.push(
                    PiiType::Iban,
                    i,
                    end,
                    1.0,
                    "IBAN: country length and mod-97 checksum",
                );
                i = end;
            }
            None => i += 1,
        }
    }
}

// --- IPv6 --------------------------------------------------------------------

fn ipv6(scan: &mut Scan) {
    let bytes = scan.bytes;
    let n = bytes.len();
    let mut i = 0;
    let ok = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
    while i < n {
        if !ok(bytes[i]) || scan.alnum_before(i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while end < n && ok(bytes[end]) {
            end += 1;
        }
        let mut token = &scan.text[start..end];
        token = token.trim_end_matches('.');
        let stop = start + token.len();
        let colons = token.bytes().filter(|&b| b == b':').count();
        let groups = token.split(':').filter(|g| !g.is_empty()).count();
        if colons >= 2
            && groups >= 3
            && !scan.alnum_after(stop)
            && std::net::Ipv6Addr::from_str(token).is_ok()
        {
            let score = if scan.context.hint == Some(PiiType::IpAddress) {
                0.95
            } else {
                0.9
            };
            scan.push(PiiType::IpAddress, start, stop, score, "IPv6 address");
        }
        i = end.max(i + 1);
    }
}

// --- dates of birth in text --------------------------------------------------

const DOB_WORDS: [&str; 14] = [
    "date of birth",
    "birth date",
    "birthdate",
    "birthday",
    "dob",
    "d.o.b",
    "born",
    "geboren",
    "geburtsdatum",
    "geb.",
    "né le",
    "naissance",
    "nacimiento",
    "nascita",
];

/// Cells are short: a window scan beats building a substring searcher.
fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    find_bytes(haystack, needle).is_some()
}

fn dates_of_birth(scan: &mut Scan) {
    if scan.context.hint == Some(PiiType::DateOfBirth) {
        return;
    }
    // Every keyword has a `b` or an "n" followed by "a" or "é": most
    // cells have neither.
    let lower = scan.lower.as_bytes();
    if scan.prefilter
        && !lower.contains(&b'b')
        && !contains_bytes(lower, b"na")
        && !contains_bytes(lower, "né".as_bytes())
    {
        return;
    }
    for word in DOB_WORDS {
        let mut from = 0;
        while let Some(pos) = find_bytes(&scan.lower.as_bytes()[from..], word.as_bytes()) {
            let at = from + pos + word.len();
            from = at;
            if at > scan.text.len() || !scan.text.is_char_boundary(at) {
                continue;
            }
            // Skip separators and "on", then try 1 to 3 words as a date.
            let rest = &scan.text[at..];
            let skip = rest.len()
                - rest
                    .trim_start_matches([' ', ':', '-', ',', '='])
                    .trim_start_matches("on ")
                    .trim_start_matches("le ")
                    .len();
            let date_start = at + skip;
            let mut best = None;
            let mut end = date_start;
            for _ in 0..3 {
                let tail = &scan.text[end..];
                let word_len = tail.find(|c: char| c.is_whitespace()).unwrap_or(tail.len());
                if word_len == 0 {
                    break;
                }
                end += word_len;
                let candidate = scan.text[date_start..end].trim_end_matches(['.', ',', ';', ')']);
                if parse_date(candidate).is_some() {
                    best = Some(date_start + candidate.len());
                }
                let after = &scan.text[end..];
                end += after.len() - after.trim_start().len();
                if end >= scan.text.len() {
                    break;
                }
            }
            if let Some(stop) = best {
                scan.push(
                    PiiType::DateOfBirth,
                    date_start,
                    stop,
                    0.9,
                    "a date after a birth keyword",
                );
            }
        }
    }
}

// --- words: BIC, VAT, secrets, names, addresses ----------------------------------

/// A run of non-whitespace, with its byte span.
#[derive(Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn split_words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(Word {
                    text: &text[s..i],
                    start: s,
                    end: i,
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &text[s..],
            start: s,
            end: text.len(),
        });
    }
    out
}

/// A word without surrounding punctuation.
fn core_of(word: Word) -> Word {
    let lead = |c: char| matches!(c, '(' | '[' | '{' | '"' | '\'' | '«' | '“' | '‘' | '<');
    let trail = |c: char| {
        matches!(
            c,
            ')' | ']'
                | '}'
                | '"'
                | '\''
                | '»'
                | '”'
                | '’'
                | '>'
                | ','
                | ';'
                | ':'
                | '.'
                | '!'
                | '?'
        )
    };
    let t = word.text.trim_start_matches(lead);
    let start = word.start + (word.text.len() - t.len());
    let t = t.trim_end_matches(trail);
    Word {
        text: t,
        start,
        end: start + t.len(),
    }
}

const BIC_WORDS: [&str; 3] = ["bic", "swift", "bank identifier"];
const VAT_WORDS: [&str; 9] = [
    "vat", "ust", "tva", "iva", "btw", "mwst", "tax id", "moms", "alv",
];
const PASSWORD_WORDS: [&str; 9] = [
    "password",
    "passwort",
    "passwd",
    "pwd",
    "kennwort",
    "mot de passe",
    "contraseña",
    "pass",
    "pw",
];

fn words(scan: &mut Scan, has_digit: bool) {
    let words = split_words(scan.text);
    let cores: Vec<Word> = words.iter().map(|w| core_of(*w)).collect();
    for (idx, (&raw, &w)) in words.iter().zip(&cores).enumerate() {
        if w.text.is_empty() {
            continue;
        }
        let len = w.text.len();
        if has_digit || len >= 8 {
            // BIC: 8 or 11 alphanumerics.
            if (len == 8 || len == 11) && w.text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                let context = scan.context.hint == Some(PiiType::SwiftBic)
                    || scan.keyword_before(w.start, 30, &BIC_WORDS);
                if let Some(score) = bic_score(w.text, context) {
                    scan.push(PiiType::SwiftBic, w.start, w.end, score, "SWIFT/BIC format");
                }
            }
            if has_digit {
                vat_word(scan, &words, idx, w);
            }
            if len >= 16 {
                secret_word(scan, w);
            }
        }
        password_after(scan, &words, idx, raw);
    }
    if scan.bytes.iter().any(u8::is_ascii_uppercase) || !scan.text.is_ascii() {
        names(scan, &words, &cores);
    }
    // Every address pattern in text has a number in it.
    if has_digit {
        addresses(scan, &words, &cores);
    }
}

/// ISO 3166 alpha-2 codes that can appear in a BIC.
fn is_country(code: [u8; 2]) -> bool {
    const CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";
    CODES.as_bytes().chunks(3).any(|c| c[..2] == code)
}

/// Score of a BIC-shaped token, or `None`. Without context only codes
/// that no word could be (a digit in the location, all upper case) count.
fn bic_score(token: &str, context: bool) -> Option<f64> {
    let len = token.len();
    if !(len == 8 || len == 11) || !token.is_ascii() {
        return None;
    }
    let b = token.as_bytes();
    let letters = b[..6].iter().all(u8::is_ascii_alphabetic);
    let rest_ok = b[6..].iter().all(u8::is_ascii_alphanumeric);
    if !letters || !rest_ok || !is_country([b[4].to_ascii_uppercase(), b[5].to_ascii_uppercase()]) {
        return None;
    }
    // Location "0" is a test BIC, "1" passive: both still real codes.
    if context {
        return Some(0.95);
    }
    let all_upper = !b.iter().any(u8::is_ascii_lowercase);
    let has_digit = b[6..].iter().any(u8::is_ascii_digit);
    let branch_xxx = len == 11 && b[8..].eq_ignore_ascii_case(b"XXX");
    // A code of this shape alone is as often a product or ticket code:
    // reported, but below the default masking threshold unless it ends
    // in the `XXX` of a head office.
    match (all_upper, branch_xxx, has_digit) {
        (true, true, _) => Some(0.75),
        (true, false, true) => Some(0.55),
        _ => None,
    }
}

/// EU VAT numbers: the country prefix and the national format; checksums
/// for the countries whose check is simple.
fn vat_word(scan: &mut Scan, words: &[Word], idx: usize, w: Word) {
    // Every VAT number starts with two upper-case letters (separators
    // aside): check that before building anything.
    let mut prefix = w.text.bytes().filter(|b| !matches!(b, b'.' | b'-' | b' '));
    if !(prefix.next().is_some_and(|b| b.is_ascii_uppercase())
        && prefix.next().is_some_and(|b| b.is_ascii_uppercase()))
    {
        return;
    }
    // "DE 123456789", "FR 25 202200934": the prefix may stand alone
    // before the number, which may be written in groups; the longest
    // valid reading wins.
    let start = w.start;
    let mut found = None;
    if w.text.len() == 2 && w.text.bytes().all(|b| b.is_ascii_uppercase()) {
        let mut compact = w.text.to_owned();
        let mut end = w.end;
        for next in words.iter().skip(idx + 1).take(4).map(|n| core_of(*n)) {
            if next.start != end + 1 || !next.text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                break;
            }
            compact.push_str(next.text);
            end = next.end;
            if let Some(check) = vat_reading(&compact) {
                found = Some((check, end));
            }
        }
    } else if let Some(check) = vat_reading(w.text) {
        found = Some((check, w.end));
    }
    let Some((check, end)) = found else {
        return;
    };
    let context =
        scan.context.hint == Some(PiiType::VatId) || scan.keyword_before(start, 30, &VAT_WORDS);
    let score = match (check, context) {
        (true, _) => 0.95,
        (false, true) => 0.9,
        (false, false) => 0.7,
    };
    scan.push(PiiType::VatId, start, end, score, "EU VAT number format");
}

/// [`vat_check`] of a word without its `.`, `-` and space separators.
fn vat_reading(text: &str) -> Option<bool> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '.' | '-' | ' '))
        .collect();
    if cleaned.len() < 6 || !cleaned.is_ascii() {
        return None;
    }
    vat_check(&cleaned)
}

/// `Some(checksum_verified)` when `v` has a valid EU VAT format.
pub(super) fn vat_check(v: &str) -> Option<bool> {
    let (cc, rest) = v.split_at(2);
    let digits =
        |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match cc {
        "AT" => rest.starts_with('U') && digits(&rest[1..], &[8]),
        "BE" => digits(rest, &[10]) && (rest.starts_with('0') || rest.starts_with('1')),
        "BG" => digits(rest, &[9, 10]),
        "CY" => {
            rest.len() == 9 && digits(&rest[..8], &[8]) && rest.as_bytes()[8].is_ascii_alphabetic()
        }
        "CZ" => digits(rest, &[8, 9, 10]),
        "DE" | "EE" | "EL" | "PT" => digits(rest, &[9]),
        "DK" | "FI" | "HU" | "LU" | "MT" | "SI" => digits(rest, &[8]),
        "ES" => {
            rest.len() == 9
                && rest.bytes().all(|b| b.is_ascii_alphanumeric())
                && digits(&rest[1..8], &[7])
        }
        "FR" => {
            rest.len() == 11
                && rest[..2].bytes().all(|b| b.is_ascii_alphanumeric())
                && digits(&rest[2..], &[9])
        }
        "HR" | "IT" | "LV" => digits(rest, &[11]),
        "IE" => {
            (8..=9).contains(&rest.len())
                && rest[..7].bytes().skip(1).all(|b| b.is_ascii_digit())
                && rest.bytes().skip(7).all(|b| b.is_ascii_alphabetic())
        }
        "LT" => digits(rest, &[9, 12]),
        "NL" => {
            rest.len() == 12
                && digits(&rest[..9], &[9])
                && &rest[9..10] == "B"
                && digits(&rest[10..], &[2])
        }
        "PL" | "SK" => digits(rest, &[10]),
        "RO" => digits(rest, &[6, 7, 8, 9, 10]),
        "SE" => digits(rest, &[12]) && rest.ends_with("01"),
        "GB" | "XI" => digits(rest, &[9, 12]),
        _ => false,
    };
    if !ok {
        return None;
    }
    let d: Vec<u32> = rest
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
        .collect();
    let verified = match cc {
        "BE" => {
            let n: u64 = rest[..8].parse().unwrap_or(0);
            let check: u64 = rest[8..].parse().unwrap_or(100);
            97 - n % 97 == check
        }
        "IT" => luhn(rest),
        "DE" => {
            // ISO 7064 MOD 11,10.
            let mut product = 10;
            for &x in &d[..8] {
                let mut sum = (x + product) % 10;
                if sum == 0 {
                    sum = 10;
                }
                product = (2 * sum) % 11;
            }
            let check = (11 - product) % 10;
            check == d[8]
        }
        "PL" => {
            let w = [6, 5, 7, 2, 3, 4, 5, 6, 7];
            let sum: u32 = w.iter().zip(&d).map(|(a, b)| a * b).sum();
            sum % 11 == d[9]
        }
        "NL" => {
            let w = [9, 8, 7, 6, 5, 4, 3, 2];
            let sum: u32 = w.iter().zip(&d).map(|(a, b)| a * b).sum();
            sum % 11 == d[8] || nl_mod97(v)
        }
        "FR" => {
            let key: u64 = rest[..2].parse().unwrap_or(1000);
            let siren: u64 = rest[2..].parse().unwrap_or(0);
            (12 + 3 * (siren % 97)) % 97 == key
        }
        _ => false,
    };
    Some(verified)
}

/// Dutch sole-trader VAT numbers (2020 on) check with ISO 7064 mod 97.
fn nl_mod97(v: &str) -> bool {
    let mut remainder = 0u64;
    for c in v.chars() {
        let value = match c {
            '0'..='9' => u64::from(c as u8 - b'0'),
            'A'..='Z' => u64::from(c as u8 - b'A') + 10,
            _ => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// API keys with known prefixes, and long high-entropy tokens.
fn secret_word(scan: &mut Scan, w: Word) {
    let t = w.text;
    const PREFIXES: [(&str, usize); 22] = [
        ("sk_live_", 16),
        ("sk_test_", 16),
        ("rk_live_", 16),
        ("sk-ant-", 20),
        ("sk-proj-", 20),
        ("sk-", 20),
        ("ghp_", 30),
        ("gho_", 30),
        ("ghu_", 30),
        ("ghs_", 30),
        ("ghr_", 30),
        ("github_pat_", 30),
        ("glpat-", 20),
        ("xoxb-", 20),
        ("xoxp-", 20),
        ("xoxa-", 20),
        ("AIza", 35),
        ("SG.", 40),
        ("shpat_", 30),
        ("npm_", 36),
        ("hf_", 30),
        ("pypi-", 50),
    ];
    let token_char = |b: u8| b.is_ascii_alphanumeric() || b"_-+/=.".contains(&b);
    if !t.bytes().all(token_char) {
        return;
    }
    for (prefix, min_len) in PREFIXES {
        if t.starts_with(prefix) && t.len() >= prefix.len() + min_len.min(16) {
            scan.push(
                PiiType::Secret,
                w.start,
                w.end,
                0.95,
                "API key with a known prefix",
            );
            return;
        }
    }
    let b = t.as_bytes();
    if t.len() == 20
        && (t.starts_with("AKIA") || t.starts_with("ASIA"))
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        scan.push(PiiType::Secret, w.start, w.end, 0.95, "AWS access key id");
        return;
    }
    if t.starts_with("eyJ") && t.bytes().filter(|&c| c == b'.').count() == 2 && t.len() >= 30 {
        scan.push(PiiType::Secret, w.start, w.end, 0.95, "JSON Web Token");
        return;
    }
    // Long random-looking tokens; not UUIDs, paths, URLs or numbers.
    if t.len() < 24 || t.contains("://") || t.bytes().filter(|&c| c == b'/').count() > 1 {
        return;
    }
    if is_uuid(t)
        || t.bytes()
            .all(|c| c.is_ascii_digit() || c == b'-' || c == b'.')
    {
        return;
    }
    let has_digit = b.iter().any(u8::is_ascii_digit);
    let has_lower = b.iter().any(u8::is_ascii_lowercase);
    let has_upper = b.iter().any(u8::is_ascii_uppercase);
    if !has_digit || !(has_lower || has_upper) {
        return;
    }
    let hex = b.iter().all(u8::is_ascii_hexdigit);
    let entropy = shannon_entropy(b);
    let random = if hex {
        t.len() >= 32 && entropy >= 3.0
    } else {
        has_lower && has_upper && entropy >= 4.0
    };
    if random {
        scan.push(
            PiiType::Secret,
            w.start,
            w.end,
            0.7,
            "long high-entropy token",
        );
    }
}

fn is_uuid(t: &str) -> bool {
    let groups: Vec<&str> = t.split('-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn shannon_entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// `password: hunter2`, `pwd=…`: the token after a password keyword.
fn password_after(scan: &mut Scan, words: &[Word], idx: usize, w: Word) {
    let lower = &scan.lower[w.start..w.end];
    let (key, inline) = match lower.find([':', '=']) {
        Some(p) => (&lower[..p], Some(w.start + p + 1)),
        None => (lower.trim_end_matches(['.', ',']), None),
    };
    if !PASSWORD_WORDS.contains(&key) {
        return;
    }
    let target = match inline {
        Some(at) if at < w.end => Word {
            text: &scan.text[at..w.end],
            start: at,
            end: w.end,
        },
        _ => {
            let mut next = idx + 1;
            // "password is X", "password: X", "Passwort - X".
            while let Some(n) = words.get(next) {
                let l = scan.lower[n.start..n.end].trim_end_matches(':');
                if matches!(
                    l,
                    "is" | "ist" | "est" | "es" | ":" | "=" | "-" | "was" | "now" | ""
                ) {
                    next += 1;
                } else {
                    break;
                }
            }
            if next > idx + 3 {
                return;
            }
            let Some(&n) = words.get(next) else { return };
            // Only when the keyword ends with ':' / '=' or a verb follows.
            if next == idx + 1 && !scan.text[w.start..w.end].ends_with([':', '=']) {
                return;
            }
            n
        }
    };
    let t = target.text.trim_end_matches(['.', ',', ';', ')']);
    if t.chars().count() >= 3 {
        scan.push(
            PiiType::Secret,
            target.start,
            target.start + t.len(),
            0.9,
            "a password after a password keyword",
        );
    }
}

// --- names --------------------------------------------------------------------

/// `Anna`, `Anne-Marie`, `Saint-Honoré`, `McDonald`, `O'Brien`.
fn capitalized(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let rest = chars.as_str();
    let mut after_hyphen = false;
    first.is_uppercase()
        && !rest.is_empty()
        && rest.chars().all(|c| {
            let ok = c.is_lowercase()
                || matches!(c, '-' | '\'' | '’')
                || after_hyphen && c.is_uppercase();
            after_hyphen = c == '-';
            ok
        })
        || is_mc_name(word)
}

/// `McDonald`, `O'Brien`, `DiCaprio`-style capitalisation.
fn is_mc_name(word: &str) -> bool {
    (word.starts_with("Mc")
        || word.starts_with("O'")
        || word.starts_with("O’")
        || word.starts_with("Mac"))
        && word.chars().count() >= 4
        && word
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’'))
}

fn is_initial(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(c), Some('.'), None) if c.is_uppercase())
}

/// Lower-case words inside names: `Latoya de Vries`, `Ludwig van Beethoven`.
fn is_name_particle(word: &str) -> bool {
    matches!(
        word,
        "de" | "da"
            | "di"
            | "do"
            | "dos"
            | "das"
            | "del"
            | "della"
            | "van"
            | "von"
            | "der"
            | "den"
            | "ter"
            | "ten"
            | "zu"
            | "le"
            | "la"
            | "du"
            | "bin"
            | "al"
    )
}

/// Words that make a capitalised sequence an organisation: `Hollis
/// Partners`, `Hudson Valley Steel`, `Morgan Freight SRL`.
fn is_organisation_word(word: &str) -> bool {
    if is_company_word(word) {
        return true;
    }
    let mut buffer = [0u8; 14];
    let Some(lower) = ascii_lowercase(word, &mut buffer) else {
        return false;
    };
    matches!(
        lower,
        "partners"
            | "associates"
            | "advisors"
            | "advisory"
            | "consulting"
            | "consultants"
            | "capital"
            | "ventures"
            | "investments"
            | "securities"
            | "insurance"
            | "assurance"
            | "financial"
            | "finance"
            | "bank"
            | "banking"
            | "trust"
            | "fund"
            | "holding"
            | "holdings"
            | "group"
            | "industries"
            | "international"
            | "global"
            | "trading"
            | "traders"
            | "importers"
            | "exports"
            | "logistics"
            | "freight"
            | "shipping"
            | "transport"
            | "airlines"
            | "motors"
            | "steel"
            | "energy"
            | "solutions"
            | "services"
            | "systems"
            | "technologies"
            | "technology"
            | "software"
            | "labs"
            | "media"
            | "publishing"
            | "research"
            | "healthcare"
            | "pharma"
            | "foods"
            | "bakery"
            | "coffee"
            | "winery"
            | "brewery"
            | "restaurant"
            | "hotel"
            | "hotels"
            | "studio"
            | "studios"
            | "store"
            | "stores"
            | "college"
            | "university"
            | "institute"
            | "foundation"
            | "corporation"
            | "organics"
            | "video"
            | "messenger"
            | "team"
            | "office"
            | "department"
            | "headquarters"
    )
}

/// `word` in ASCII lower case in `buffer`, or `None` when it is not ASCII
/// or longer than the buffer (no word looked up here is).
fn ascii_lowercase<'b>(word: &str, buffer: &'b mut [u8]) -> Option<&'b str> {
    if !word.is_ascii() || word.len() > buffer.len() {
        return None;
    }
    let lower = &mut buffer[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    std::str::from_utf8(lower).ok()
}

/// The last word of the name that starts at `from`: up to three
/// capitalised words (initials and particles between them allowed),
/// ending at punctuation ("Smith, who …").
fn name_end(cores: &[Word], words: &[Word], from: usize) -> Option<usize> {
    let mut j = from;
    let mut named = 0;
    let mut end_word = None;
    while j < cores.len() && named < 3 {
        let c = cores[j];
        let particle = j > from
            && is_name_particle(c.text)
            && words[j].end == c.end
            && cores
                .get(j + 1)
                .is_some_and(|n| capitalized(n.text) && !is_name_stopword(n.text));
        if particle {
            j += 1;
            continue;
        }
        let ok =
            (capitalized(c.text) && !is_name_stopword(c.text)) || (j > from && is_initial(c.text));
        if !ok {
            break;
        }
        end_word = Some(j);
        named += 1;
        if words[j].end != c.end && !is_initial(c.text) {
            break;
        }
        j += 1;
    }
    end_word
}

/// Whether the words `from..=last`, or the one right after, name an
/// organisation rather than a person.
fn organisation(cores: &[Word], from: usize, last: usize) -> bool {
    cores[from..=last.min(cores.len() - 1)]
        .iter()
        .chain(cores.get(last + 1))
        .any(|c| is_organisation_word(c.text))
}

/// `San Francisco, CA`, `Lyon, FR`: a place with its state or country code.
fn place_before_code(words: &[Word], cores: &[Word], last: usize) -> bool {
    words[last].text.ends_with(',')
        && cores
            .get(last + 1)
            .is_some_and(|c| c.text.len() == 2 && c.text.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Verbs that follow a person at the start of a note: `Marloes Szabó
/// signed the credit note`.
fn is_person_verb(word: &str) -> bool {
    matches!(
        word,
        "signed"
            | "approved"
            | "called"
            | "confirmed"
            | "said"
            | "wrote"
            | "requested"
            | "agreed"
            | "emailed"
            | "phoned"
            | "asked"
            | "promised"
    )
}

/// Names in free text: a title or a known first name followed by
/// capitalised words; after a cue word (`Dear`, `approved by`, `with`),
/// capitalised words; never a sequence that names an organisation.
/// `cores[i]` is `words[i]` without its punctuation.
fn names(scan: &mut Scan, words: &[Word], cores: &[Word]) {
    // In a name column the whole cell was judged already.
    if scan.context.person == 2 {
        return;
    }
    let mut i = 0;
    while i < cores.len() {
        let w = cores[i];
        let title = is_title(w.text.trim_end_matches('.')) || is_title(w.text);
        let first = capitalized(w.text) && is_first_name(w.text);
        let cue = if i > 0 {
            cue_kind(&scan.lower[words[i - 1].start..words[i - 1].end])
        } else {
            Cue::None
        };
        if !title && !first {
            // Unknown names after a cue ("approved by Cerys Tehrani",
            // "Dear Tendai,") or before a verb at the start of a sentence
            // ("Marloes Szabó signed …").
            let sentence_start = i == 0 || words[i - 1].text.ends_with(['.', '!', '?', ';']);
            let cue = if cue == Cue::None && sentence_start {
                name_end(cores, words, i)
                    .filter(|&last| {
                        last > i
                            && words[last].end == cores[last].end
                            && words
                                .get(last + 1)
                                .is_some_and(|n| is_person_verb(&scan.lower[n.start..n.end]))
                    })
                    .map_or(Cue::None, |_| Cue::Person)
            } else {
                cue
            };
            if cue != Cue::None && capitalized(w.text) && !is_name_stopword(w.text) {
                let last = name_end(cores, words, i);
                match last {
                    Some(last)
                        if last > i
                            && !organisation(cores, i, last)
                            && !place_before_code(words, cores, last) =>
                    {
                        let listed_surname = (i + 1..=last).any(|k| is_surname(cores[k].text));
                        // After "to" or "from" only a known surname tells a
                        // person from a place ("to New York").
                        if listed_surname || cue != Cue::Weak {
                            let (score, reason) = if listed_surname {
                                (0.75, "a capitalised name with a known surname")
                            } else {
                                (0.7, "capitalised words after a cue word")
                            };
                            scan.push(PiiType::Person, w.start, cores[last].end, score, reason);
                            i = last + 1;
                            continue;
                        }
                    }
                    Some(_) if cue == Cue::Greeting && !organisation(cores, i, i) => {
                        scan.push(
                            PiiType::Person,
                            w.start,
                            w.end,
                            0.65,
                            "a capitalised word after a greeting",
                        );
                    }
                    _ => {}
                }
            }
            i += 1;
            continue;
        }
        let name_start = if title { i + 1 } else { i };
        let end_word = name_end(cores, words, name_start);
        match (title, end_word) {
            (true, Some(last)) => {
                scan.push(
                    PiiType::Person,
                    cores[name_start].start,
                    cores[last].end,
                    0.85,
                    "a name after a title",
                );
                i = last + 1;
            }
            (false, Some(last)) if last > i => {
                if !organisation(cores, i, last) && !place_before_code(words, cores, last) {
                    let listed_surname = (i + 1..=last).any(|k| is_surname(cores[k].text));
                    // A first name of the extended lists alone ("Austin
                    // Texas") stays below the server guard's 0.8.
                    let score = match (is_common_first_name(w.text), listed_surname) {
                        (true, true) => 0.9,
                        (true, false) | (false, true) => 0.8,
                        (false, false) => 0.7,
                    };
                    scan.push(
                        PiiType::Person,
                        w.start,
                        cores[last].end,
                        score,
                        "a known first name followed by a capitalised name",
                    );
                }
                i = last + 1;
            }
            (false, Some(_)) => {
                // A first name alone: only after a cue ("Dear Anna,"), and
                // not after words that as often lead to places ("to Paris").
                if matches!(cue, Cue::Greeting | Cue::Person) && !organisation(cores, i, i) {
                    scan.push(
                        PiiType::Person,
                        w.start,
                        w.end,
                        0.7,
                        "a known first name after a cue word",
                    );
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cue {
    None,
    /// `Dear`, `Hi`, `Thanks`: a name follows, even a single word.
    Greeting,
    /// `approved by`, `spoke with`, `cc`: a person follows.
    Person,
    /// `to`, `for`, `from`, `and`: a person or a place follows.
    Weak,
}

fn cue_kind(word: &str) -> Cue {
    let w = word.trim_end_matches([',', ':']);
    match w {
        "dear" | "hi" | "hello" | "hey" | "thanks" | "liebe" | "lieber" | "hallo" | "bonjour"
        | "hola" | "ciao" | "attn" | "cc" => Cue::Greeting,
        "by" | "with" | "w/" | "contact" | "ask" | "per" | "called" | "told" | "emailed"
        | "spoke" | "approved" | "signed" | "met" | "customer" | "client" | "employee"
        | "cardholder" | "holder" | "beneficiary" | "payee" | "driver" | "courier" | "attendee"
        | "representative" | "mr" | "ms" => Cue::Person,
        "from" | "to" | "for" | "and" => Cue::Weak,
        _ => Cue::None,
    }
}

// --- addresses ------------------------------------------------------------------

const STREET_SUFFIXES: [&str; 30] = [
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "boulevard",
    "blvd",
    "drive",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "square",
    "sq",
    "terrace",
    "close",
    "crescent",
    "highway",
    "hwy",
    "parkway",
    "pkwy",
    "circle",
    "trail",
    "row",
    "gardens",
    "dr",
];
const GERMANIC_ENDINGS: [&str; 14] = [
    "straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "ring", "damm", "ufer",
    "straat", "laan", "gracht", "plein",
];
const ROMANCE_STARTS: [&str; 16] = [
    "rue",
    "avenue",
    "boulevard",
    "bd",
    "chemin",
    "allée",
    "impasse",
    "via",
    "viale",
    "piazza",
    "corso",
    "calle",
    "avenida",
    "plaza",
    "paseo",
    "rua",
];

fn is_house_number(word: &str) -> bool {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    (1..=5).contains(&digits)
        && word.len() - digits <= 1
        && word.bytes().skip(digits).all(|b| b.is_ascii_alphabetic())
}

fn addresses(scan: &mut Scan, words: &[Word], cores: &[Word]) {
    if scan.context.hint == Some(PiiType::Address) {
        return;
    }
    let lowered = std::mem::take(&mut scan.lower);
    let lower = |w: &Word| lowered.get(w.start..w.end).unwrap_or("");
    for i in 0..cores.len() {
        let w = cores[i];
        let l = lower(&w);
        // "221B Baker Street", "1600 Pennsylvania Ave NW".
        if is_house_number(w.text) {
            let mut j = i + 1;
            while j < cores.len() && j <= i + 4 && capitalized(cores[j].text) {
                let lj = lower(&cores[j]);
                if j > i + 1 && STREET_SUFFIXES.contains(&lj.trim_end_matches('.')) {
                    scan.push(
                        PiiType::Address,
                        w.start,
                        cores[j].end,
                        0.8,
                        "house number and street",
                    );
                    break;
                }
                if words[j].end != cores[j].end {
                    break;
                }
                j += 1;
            }
            // "12 rue de la Paix".
            if let Some(next) = cores.get(i + 1)
                && ROMANCE_STARTS.contains(&lower(next))
                && let Some(end) = romance_street_end(cores, words, i + 1)
            {
                {
                    scan.push(
                        PiiType::Address,
                        w.start,
                        end,
                        0.8,
                        "house number and street",
                    );
                }
            }
        }
        // "Hauptstraße 5", "Keizersgracht 123".
        if capitalized(w.text) || w.text.chars().next().is_some_and(char::is_uppercase) {
            let ends = GERMANIC_ENDINGS
                .iter()
                .any(|e| l.ends_with(e) && l.len() > e.len() + 2)
                || l.ends_with("str") && raw_ends_with_dot(words[i]);
            if ends && cores.get(i + 1).is_some_and(|n| is_house_number(n.text)) {
                let end = cores[i + 1].end;
                scan.push(
                    PiiType::Address,
                    w.start,
                    end,
                    0.8,
                    "street and house number",
                );
            }
        }
        // "Via Roma 10", "Calle Mayor 5".
        if (l == "via" || l == "calle" || l == "rue" || l == "avenida" || l == "piazza")
            && capitalized(w.text)
            && (i == 0 || !is_house_number(cores[i - 1].text))
            && let Some(end) = romance_street_end(cores, words, i)
        {
            {
                let has_number = cores
                    .iter()
                    .skip(i + 1)
                    .take(6)
                    .any(|c| c.end <= end && is_house_number(c.text));
                if has_number {
                    scan.push(
                        PiiType::Address,
                        w.start,
                        end,
                        0.75,
                        "street and house number",
                    );
                }
            }
        }
        // "P.O. Box 123".
        if (l == "p.o." || l == "po" || l == "p.o")
            && cores.get(i + 1).is_some_and(|n| lower(n) == "box")
            && cores
                .get(i + 2)
                .is_some_and(|n| n.text.bytes().all(|b| b.is_ascii_digit()))
        {
            scan.push(
                PiiType::Address,
                w.start,
                cores[i + 2].end,
                0.8,
                "post office box",
            );
        }
    }
    scan.lower = lowered;
}

fn raw_ends_with_dot(word: Word) -> bool {
    word.text.ends_with('.')
}

/// The end of a street named after a Romance-language street word: up to
/// five more words, stopping at a comma; a trailing house number included.
fn romance_street_end(cores: &[Word], words: &[Word], from: usize) -> Option<usize> {
    let mut end = None;
    let mut j = from + 1;
    while j < cores.len() && j <= from + 5 {
        let c = cores[j];
        let small = matches!(
            c.text,
            "de" | "la" | "du" | "des" | "del" | "della" | "di" | "do" | "da" | "le" | "les" | "d'"
        );
        if capitalized(c.text) || small || is_house_number(c.text) {
            if !small {
                end = Some(c.end);
            }
            if words[j].end != c.end || is_house_number(c.text) {
                break;
            }
            j += 1;
        } else {
            break;
        }
    }
    end
}
