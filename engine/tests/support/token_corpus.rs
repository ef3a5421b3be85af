//! A deterministic spreadsheet-like corpus for measuring token counters:
//! numbers, dates, currency, names, identifiers, masked tokens, free text,
//! CSV rows and sheet-context-like blocks. Same seed, same corpus.

/// SplitMix64: tiny, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "Sarah",
    "Thomas",
    "Anna",
    "Lukas",
    "Sophie",
    "Mateo",
    "Chiara",
    "Jürgen",
    "Zoë",
    "François",
    "Søren",
    "Aleksandra",
    "Wojciech",
    "Priya",
    "Hiroshi",
    "Nguyen",
    "Oluwaseun",
    "Björn",
    "Inés",
    "Kateřina",
    "Mehmet",
    "Siobhan",
    "Rhys",
    "Ngozi",
    "Xiaoling",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Miller",
    "Müller",
    "Schneider",
    "Dubois",
    "Rossi",
    "Kowalski",
    "Nowak",
    "Jensen",
    "Fernández",
    "O'Brien",
    "van der Berg",
    "Nakamura",
    "Papadopoulos",
    "Okonkwo",
    "Szczepański",
    "Lefèvre",
    "Gonzalez-Pérez",
    "MacAllister",
    "Chakraborty",
    "Thorsteinsdóttir",
    "Lindqvist",
    "Abernathy",
];
const COMPANY: &[&str] = &[
    "Acme Corp.",
    "Globex GmbH",
    "Initech Ltd",
    "Umbrella S.A.",
    "Stark Industries Inc.",
    "Wayne Enterprises",
    "Hooli LLC",
    "Vandelay Import/Export",
    "Müller & Söhne KG",
    "Nordisk Trä AB",
    "Soylent Holdings plc",
    "Cyberdyne Systems",
    "Tyrell B.V.",
    "Oceanic Airlines S.p.A.",
    "Aperture Science S.à r.l.",
    "Pied Piper",
];
const CATEGORY: &[&str] = &[
    "Travel",
    "Office supplies",
    "Software licences",
    "Consulting",
    "Rent",
    "Utilities",
    "Marketing",
    "Payroll",
    "Hardware",
    "Insurance",
    "Legal fees",
    "Bank charges",
    "Catering",
];
const REGION: &[&str] = &[
    "EMEA",
    "APAC",
    "North America",
    "LATAM",
    "DACH",
    "Nordics",
    "UK&I",
];
const STATUS: &[&str] = &[
    "Paid",
    "Open",
    "Overdue",
    "Cancelled",
    "Pending approval",
    "Disputed",
];
const MONTH: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTH_LONG: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const CURRENCY: &[&str] = &["EUR", "USD", "GBP", "CHF", "SEK", "JPY", "PLN"];
const LABEL: &[&str] = &["PERSON", "EMAIL", "IBAN", "PHONE", "ORG", "ADDRESS"];
const WORDS: &[&str] = &[
    "invoice",
    "paid",
    "late",
    "see",
    "email",
    "from",
    "the",
    "customer",
    "disputed",
    "amount",
    "credit",
    "note",
    "issued",
    "for",
    "partial",
    "delivery",
    "pending",
    "approval",
    "by",
    "finance",
    "team",
    "reconciled",
    "against",
    "bank",
    "statement",
    "duplicate",
    "entry",
    "reversed",
    "accrual",
    "quarter",
    "end",
    "VAT",
    "reclaim",
    "missing",
    "receipt",
    "follow",
    "up",
    "with",
    "supplier",
    "budget",
    "overrun",
    "forecast",
    "variance",
    "explained",
    "one-off",
    "write-off",
    "depreciation",
    "capitalised",
    "intercompany",
    "settlement",
    "FX",
    "revaluation",
    "Q3",
    "YTD",
    "per",
    "contract",
    "renewal",
    "terms",
    "net",
    "days",
    "discount",
    "applied",
    "ok",
    "n/a",
];

fn grouped(mut n: u64, sep: char) -> String {
    let mut groups = Vec::new();
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let mut out = groups.pop().map(|g| g.to_string()).unwrap_or_default();
    while let Some(g) = groups.pop() {
        out.push(sep);
        out.push_str(&format!("{g:03}"));
    }
    out
}

fn magnitude(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => rng.below(100),
        1 => rng.below(10_000),
        2 => rng.below(1_000_000),
        _ => rng.below(100_000_000),
    }
}

pub fn number(rng: &mut Rng) -> String {
    let n = magnitude(rng);
    let cents = rng.below(100);
    let sign = if rng.chance(15) { "-" } else { "" };
    match rng.below(7) {
        0 => format!("{sign}{n}"),
        1 => format!("{sign}{n}.{cents:02}"),
        2 => format!("{sign}{}.{cents:02}", grouped(n, ',')),
        3 => format!("{sign}{},{cents:02}", grouped(n, '.')),
        4 => format!("{}.{}%", rng.below(100), rng.below(10)),
        5 => format!("{sign}{}.{:06}", n % 1000, rng.below(1_000_000)),
        _ => format!("{sign}{}", grouped(n, ' ')),
    }
}

pub fn date(rng: &mut Rng) -> String {
    let y = 2015 + rng.below(12);
    let m = 1 + rng.below(12);
    let d = 1 + rng.below(28);
    match rng.below(7) {
        0 => format!("{y}-{m:02}-{d:02}"),
        1 => format!("{d:02}/{m:02}/{y}"),
        2 => format!("{m}/{d}/{y}"),
        3 => format!("{d}.{m}.{y}"),
        4 => format!("{} {d}, {y}", MONTH[(m - 1) as usize]),
        5 => format!("{d} {} {y}", MONTH_LONG[(m - 1) as usize]),
        _ => format!(
            "{y}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
    }
}

pub fn currency(rng: &mut Rng) -> String {
    let n = magnitude(rng);
    let c = rng.below(100);
    match rng.below(7) {
        0 => format!("${}.{c:02}", grouped(n, ',')),
        1 => format!("€ {},{c:02}", grouped(n, '.')),
        2 => format!("{} {n}.{c:02}", rng.pick(CURRENCY)),
        3 => format!("({}.{c:02})", grouped(n, ',')),
        4 => format!("{},{c:02} €", grouped(n, ' ')),
        5 => format!("£{n}.{c:02}"),
        _ => format!("-{}.{c:02} {}", grouped(n, ','), rng.pick(CURRENCY)),
    }
}

pub fn name(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 | 1 => format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
        2 => format!("{}, {}", rng.pick(LAST), rng.pick(FIRST)),
        3 => rng.pick(COMPANY).to_owned(),
        _ => format!(
            "{}.{}@{}",
            rng.pick(FIRST).to_lowercase(),
            rng.pick(LAST).to_lowercase().replace(' ', ""),
            rng.pick(&["example.com", "acme.de", "mail.co.uk", "corp.fr"])
        ),
    }
}

pub fn identifier(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("INV-{}-{:04}", 2018 + rng.below(8), rng.below(10_000)),
        1 => format!("{}_{}", rng.pick(LABEL), 1 + rng.below(400)),
        2 => format!("<{}>", rng.pick(LABEL)),
        3 => format!(
            "DE{:02} {:04} {:04} {:04} {:04} {:02}",
            rng.below(100),
            rng.below(10_000),
            rng.below(10_000),
            rng.below(10_000),
            rng.below(10_000),
            rng.below(100)
        ),
        _ => format!(
            "PO{:06}/{}",
            rng.below(1_000_000),
            rng.pick(&["A", "B", "X1"])
        ),
    }
}

pub fn free_text(rng: &mut Rng) -> String {
    let len = 4 + rng.below(18);
    let mut out = String::new();
    for i in 0..len {
        if i > 0 {
            out.push(' ');
        }
        match rng.below(12) {
            0 => out.push_str(&number(rng)),
            1 => out.push_str(&date(rng)),
            2 => out.push_str(&name(rng)),
            _ => out.push_str(rng.pick(WORDS)),
        }
        if rng.chance(10) {
            out.push_str(rng.pick(&[",", ".", ";", ":", " -", "!", "?"]));
        }
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => out,
    }
}

fn cell(rng: &mut Rng) -> String {
    match rng.below(9) {
        0 => number(rng),
        1 => date(rng),
        2 => currency(rng),
        3 => name(rng),
        4 => identifier(rng),
        5 => rng.pick(CATEGORY).to_owned(),
        6 => rng.pick(REGION).to_owned(),
        7 => rng.pick(STATUS).to_owned(),
        _ => {
            if rng.chance(30) {
                String::new()
            } else {
                free_text(rng)
            }
        }
    }
}

pub fn csv_row(rng: &mut Rng) -> String {
    let width = 3 + rng.below(8);
    let cells: Vec<String> = (0..width)
        .map(|_| {
            let c = cell(rng);
            if c.contains(',') || c.contains('"') {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c
            }
        })
        .collect();
    cells.join(",")
}

pub fn block(rng: &mut Rng) -> String {
    let mut out = format!(
        "Sheet: {} rows x {} columns\nColumns:\n",
        grouped(magnitude(rng), ','),
        3 + rng.below(8)
    );
    for i in 0..(2 + rng.below(5)) {
        out.push_str(&format!(
            "{}. {} — {}, {} missing, {} distinct, min {} max {}\n",
            i + 1,
            rng.pick(CATEGORY),
            rng.pick(&["decimal", "currency", "date", "category", "text", "integer"]),
            rng.below(500),
            rng.below(50_000),
            number(rng),
            number(rng)
        ));
    }
    out.push_str("Rows:\n");
    for _ in 0..(2 + rng.below(6)) {
        out.push_str(&csv_row(rng));
        out.push('\n');
    }
    out
}

/// The corpus: `(category, text)` pairs, `per_kind` of each kind.
pub fn corpus(per_kind: usize) -> Vec<(&'static str, String)> {
    let mut rng = Rng::new(0x1ed9_e41a_0000_0006);
    let mut out = Vec::new();
    type Gen = fn(&mut Rng) -> String;
    let kinds: [(&str, Gen); 9] = [
        ("numbers", |r| {
            (0..8).map(|_| number(r)).collect::<Vec<_>>().join(" ")
        }),
        ("dates", |r| {
            (0..6).map(|_| date(r)).collect::<Vec<_>>().join(", ")
        }),
        ("currency", |r| {
            (0..6).map(|_| currency(r)).collect::<Vec<_>>().join("; ")
        }),
        ("names", |r| {
            (0..5).map(|_| name(r)).collect::<Vec<_>>().join(", ")
        }),
        ("identifiers", |r| {
            (0..6).map(|_| identifier(r)).collect::<Vec<_>>().join(" ")
        }),
        ("free_text", free_text),
        ("csv_rows", |r| {
            (0..4).map(|_| csv_row(r)).collect::<Vec<_>>().join("\n")
        }),
        ("tsv_rows", |r| {
            (0..3)
                .map(|_| csv_row(r).replace(',', "\t"))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        ("context_blocks", block),
    ];
    for _ in 0..per_kind {
        for (kind, generate) in kinds {
            out.push((kind, generate(&mut rng)));
        }
    }
    out
}
