//! Whole-row duplicates over chosen key columns: exact after normalization
//! (`1,234.50` = `1234.5`, `ACME  GmbH` = `acme gmbh`, `15/01/2024` =
//! `2024-01-15`), and fuzzy with a similarity threshold.
//!
//! Fuzzy matching compares only rows that share a blocking key (the exact
//! value of a distinctive column, or the start or end of a text value), so
//! the work grows with the number of rows, not its square.
//!
//! Performance: every key column is interned once (each row holds a small
//! id of its normalized value), so the exact pass hashes integers and the
//! fuzzy pass compares ids before it compares text. A pair is first scored
//! with an upper bound that leaves out the costly edit distances; only the
//! pairs that could reach the threshold get the exact score, computed in
//! the same order as ever, so results do not depend on the shortcut (the
//! bounds: length differences, then bag distances, then the edit
//! distances one column at a time). Texts over [`EDIT_CHARS`] characters
//! are compared by their ends, so that no pair costs more than a few
//! short edit distances. The result does not depend on the order pairs
//! are visited in either (groups are connected components, scores maxima),
//! which lets blocks be built by sorting instead of a map of strings.

use std::collections::HashMap;
use std::hash::BuildHasher;

use serde::Serialize;

use crate::cluster::fingerprint;
use crate::infer::{Analyses, ColumnAnalysis, Reading, read_cell};
use crate::profile::ColumnType;
use crate::table::{Cell, FastMap, Table};

/// `row` duplicates the earlier row `duplicate_of` with this score (1 for
/// an exact duplicate after normalization).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicatePair {
    pub row: usize,
    pub duplicate_of: usize,
    pub score: f64,
}

/// A normalized value as it is read ([`norm_of`]); kept as a [`Norm`].
#[derive(Debug, Clone, PartialEq)]
enum Normalized {
    Missing,
    Number(f64),
    Date(f64),
    Bool(bool),
    Text(String),
}

/// A distinct normalized value of a key column: 16 bytes, its text (if
/// any) in the column's one text buffer, so that a column of 100,000
/// distinct e-mail addresses is not 100,000 allocations.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Norm {
    Missing,
    Number(f64),
    Date(f64),
    Bool(bool),
    /// Start and end in [`KeyColumn::texts`].
    Text(u32, u32),
}

/// The distinct values of a key column, 9 bytes each while they are
/// gathered: a kind and 8 bytes (a float's bits, or where its text starts
/// and ends). Once finished, a column of one kind (most) keeps no kinds,
/// and one of texts only where each text ends (4 bytes a value).
#[derive(Default)]
struct Values {
    /// Per id, its kind; empty once finished when `uniform` is known.
    kinds: Vec<u8>,
    /// Per id, its payload; empty once finished in a column of texts.
    payload: Vec<u64>,
    /// In a finished column of texts, where the text of each id ends
    /// (id 0, the missing value, at 0): a text starts where the one of
    /// the id before ends.
    ends: Vec<u32>,
    count: usize,
    /// The kind of every value but the missing one (id 0), when they all
    /// have one kind (most columns): reading a value is then one load.
    uniform: Option<u8>,
}

const KIND_MISSING: u8 = 0;
const KIND_NUMBER: u8 = 1;
const KIND_DATE: u8 = 2;
const KIND_BOOL: u8 = 3;
const KIND_TEXT: u8 = 4;

impl Values {
    fn len(&self) -> usize {
        self.count
    }

    fn push(&mut self, norm: Norm) {
        let (kind, payload) = match norm {
            Norm::Missing => (KIND_MISSING, 0),
            Norm::Number(n) => (KIND_NUMBER, n.to_bits()),
            Norm::Date(n) => (KIND_DATE, n.to_bits()),
            Norm::Bool(b) => (KIND_BOOL, u64::from(b)),
            Norm::Text(start, end) => (KIND_TEXT, (u64::from(start) << 32) | u64::from(end)),
        };
        self.kinds.push(kind);
        self.payload.push(payload);
        self.count += 1;
    }

    #[inline]
    fn kind(&self, id: u32) -> u8 {
        match self.uniform {
            Some(_) if id == MISSING => KIND_MISSING,
            Some(kind) => kind,
            None => self.kinds[id as usize],
        }
    }

    #[inline]
    fn get(&self, id: u32) -> Norm {
        if self.uniform == Some(KIND_TEXT) {
            return if id == MISSING {
                Norm::Missing
            } else {
                Norm::Text(self.ends[id as usize - 1], self.ends[id as usize])
            };
        }
        let payload = self.payload[id as usize];
        match self.kind(id) {
            KIND_NUMBER => Norm::Number(f64::from_bits(payload)),
            KIND_DATE => Norm::Date(f64::from_bits(payload)),
            KIND_BOOL => Norm::Bool(payload != 0),
            KIND_TEXT => Norm::Text((payload >> 32) as u32, payload as u32),
            _ => Norm::Missing,
        }
    }

    #[inline]
    fn is_text(&self, id: u32) -> bool {
        self.kind(id) == KIND_TEXT
    }

    fn iter(&self) -> impl Iterator<Item = Norm> + '_ {
        (0..self.len() as u32).map(|id| self.get(id))
    }

    /// Whether any value is a text.
    fn has_text(&self) -> bool {
        self.uniform == Some(KIND_TEXT) || self.kinds.contains(&KIND_TEXT)
    }

    /// Notes a single kind and keeps only what reading values then needs,
    /// shrunk to fit; no value is added after.
    fn finish(&mut self) {
        let mut kinds = self.kinds.iter().skip(1);
        self.uniform = match kinds.next() {
            Some(&first) if kinds.all(|&k| k == first) => Some(first),
            _ => None,
        };
        if self.uniform.is_some() {
            self.kinds = Vec::new();
        }
        if self.uniform == Some(KIND_TEXT) {
            // The missing value's payload is 0; a text's ends in its low bits.
            self.ends = self.payload.iter().map(|&payload| payload as u32).collect();
            self.payload = Vec::new();
        }
        self.kinds.shrink_to_fit();
        self.payload.shrink_to_fit();
    }
}

/// A hashable identity with exactly the equality of the key text
/// ([`KeyColumn::write_key`]): floats by their bits (`0` and `-0` differ,
/// as `n0` and `n-0` do; every NaN is `nNaN`); a text by a hash of it, the
/// text itself compared in the column's buffer (16 bytes, no copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Identity {
    Missing,
    Number(u64),
    Date(u64),
    Bool(bool),
    TextHash(u64),
}

impl Normalized {
    fn identity(&self) -> Identity {
        let bits = |n: f64| {
            if n.is_nan() {
                f64::NAN.to_bits()
            } else {
                n.to_bits()
            }
        };
        match self {
            Normalized::Missing => Identity::Missing,
            Normalized::Number(n) => Identity::Number(bits(*n)),
            Normalized::Date(n) => Identity::Date(bits(*n)),
            Normalized::Bool(b) => Identity::Bool(*b),
            Normalized::Text(t) => {
                Identity::TextHash(foldhash::fast::FixedState::default().hash_one(t.as_str()))
            }
        }
    }
}

impl Norm {
    /// Whether this stored value is `normalized`: the equality of their
    /// keys (floats by their bits, every NaN the same).
    fn same_as(self, normalized: &Normalized, texts: &str) -> bool {
        let bits = |n: f64| {
            if n.is_nan() {
                f64::NAN.to_bits()
            } else {
                n.to_bits()
            }
        };
        match (self, normalized) {
            (Norm::Missing, Normalized::Missing) => true,
            (Norm::Number(a), Normalized::Number(b)) | (Norm::Date(a), Normalized::Date(b)) => {
                bits(a) == bits(*b)
            }
            (Norm::Bool(a), Normalized::Bool(b)) => a == *b,
            (Norm::Text(start, end), Normalized::Text(t)) => {
                texts[start as usize..end as usize] == **t
            }
            _ => false,
        }
    }
}

/// Id 0 is always the missing value.
const MISSING: u32 = 0;

struct KeyColumn {
    /// Per id, the value.
    values: Values,
    /// The texts of the text values, one after the other.
    texts: String,
    /// Per id of a text value: ids of its order-free fingerprint and of its
    /// digits, so that comparing them is comparing integers. Empty for a
    /// code column or one without texts (never looked at there).
    fingerprint: Vec<u32>,
    digits: Vec<u32>,
    /// Per id of a text value, its length in characters (empty as above).
    chars: Vec<u32>,
    /// Whether `texts` were let go (see [`KeyColumn::texts_unread`]).
    texts_dropped: bool,
    /// Identifying columns weigh more than low-cardinality ones.
    weight: f64,
    /// Exact values block: the column tells rows apart.
    distinctive: bool,
    text: bool,
    code: bool,
}

/// Ids for distinct strings, in order of first appearance.
fn intern<'a>(map: &mut FastMap<&'a str, u32>, text: &'a str) -> u32 {
    let next = map.len() as u32;
    *map.entry(text).or_insert(next)
}

/// Each row's ids side by side (row-major), each column's in as few bytes
/// as its number of values needs (one to four): comparing two rows reads
/// two cache lines, not one per column and row.
struct RowIds {
    /// The rows one after the other, then padding, so that an id of any
    /// width is read as 4 bytes and a mask, and every row of a layout of
    /// at most 256 bytes is a [`View`].
    bytes: Vec<u8>,
    stride: usize,
    /// Per column, where its id starts in a row and the mask of its width.
    slots: Vec<Slot>,
}

/// Where a column's id lies in a row of [`RowIds`], and its mask.
#[derive(Clone, Copy)]
struct Slot {
    offset: usize,
    mask: u32,
}

/// The bytes an id below `count` takes.
fn id_width(count: usize) -> usize {
    match count {
        0..=0x100 => 1,
        0x101..=0x1_0000 => 2,
        0x1_0001..=0x100_0000 => 3,
        _ => 4,
    }
}

impl RowIds {
    /// Lays out the ids of each column (`columns[c]`: one id a row, in
    /// `widths[c]` bytes, little-endian) row by row.
    fn pack(columns: &[Vec<u8>], widths: &[usize], rows: usize) -> RowIds {
        let stride: usize = widths.iter().sum();
        let mut slots = Vec::with_capacity(widths.len());
        let mut offset = 0;
        for &width in widths {
            let mask = if width >= 4 {
                u32::MAX
            } else {
                (1u32 << (8 * width)) - 1
            };
            slots.push(Slot { offset, mask });
            offset += width;
        }
        let mut bytes = vec![0u8; rows * stride + VIEW.saturating_sub(stride).max(3)];
        for ((column, &width), slot) in columns.iter().zip(widths).zip(&slots) {
            // A copy of a known width is a move, not a call.
            fn copy<const W: usize>(column: &[u8], bytes: &mut [u8], stride: usize, offset: usize) {
                for (id, row) in column.chunks_exact(W).zip(bytes.chunks_exact_mut(stride)) {
                    row[offset..][..W].copy_from_slice(id);
                }
            }
            match width {
                1 => copy::<1>(column, &mut bytes, stride, slot.offset),
                2 => copy::<2>(column, &mut bytes, stride, slot.offset),
                3 => copy::<3>(column, &mut bytes, stride, slot.offset),
                _ => copy::<4>(column, &mut bytes, stride, slot.offset),
            }
        }
        RowIds {
            bytes,
            stride,
            slots,
        }
    }

    /// Row `row`'s ids, to read with [`Ids::id`].
    #[inline(always)]
    fn row(&self, row: usize) -> &[u8] {
        &self.bytes[row * self.stride..][..self.stride + 3]
    }

    /// Whether every row is a [`View`] ([`RowIds::view`]).
    fn narrow(&self) -> bool {
        self.stride <= VIEW - 3
    }

    /// Row `row`'s ids as a [`View`], when [`RowIds::narrow`]: its ids are
    /// read with no bounds check.
    #[inline(always)]
    fn view(&self, row: usize) -> &View {
        self.bytes[row * self.stride..]
            .first_chunk::<VIEW>()
            .expect("narrow rows are padded to a view")
    }

    /// Row `row`'s ids as bytes: equal for rows with the same ids.
    fn key(&self, row: usize) -> &[u8] {
        &self.bytes[row * self.stride..][..self.stride]
    }

    #[inline(always)]
    fn get(&self, row: usize, column: usize) -> u32 {
        read_id(self.row(row), self.slots[column])
    }
}

/// The id at `slot` of a row of [`RowIds`].
#[inline(always)]
fn read_id(row: &[u8], slot: Slot) -> u32 {
    let b = &row[slot.offset..][..4];
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) & slot.mask
}

/// Bytes of a [`View`]: an id at any offset below 256, read as 4 bytes.
const VIEW: usize = 256 + 3;

/// A row of a layout of at most 256 bytes, where every offset fits a
/// byte: reading an id needs no bounds check.
type View = [u8; VIEW];

/// A row's ids, read by [`score_pair`].
trait Ids: Copy {
    fn id(self, slot: Slot) -> u32;
}

impl Ids for &[u8] {
    #[inline(always)]
    fn id(self, slot: Slot) -> u32 {
        read_id(self, slot)
    }
}

impl Ids for &View {
    #[inline(always)]
    fn id(self, slot: Slot) -> u32 {
        // In a narrow layout every offset is below 256 (the cast keeps it).
        let at = usize::from(slot.offset as u8);
        u32::from_le_bytes([self[at], self[at + 1], self[at + 2], self[at + 3]]) & slot.mask
    }
}

/// Normalizes column `c` into a [`KeyColumn`], writing each row's id into
/// `row_ids` (one a row).
fn normalize_column(
    table: &Table,
    c: usize,
    analysis: &ColumnAnalysis,
    row_ids: &mut [u32],
) -> KeyColumn {
    let column = &table.columns()[c];
    let mut values = Values::default();
    values.push(Norm::Missing);
    let mut texts = String::new();
    // Ids by a hash of the identity; the value itself is compared with
    // the one stored (16-byte entries, no text copied). Values whose hash
    // an earlier, different value has (next to never) are looked up in
    // `colliding`.
    // A text's identity is already a hash: it is not hashed again.
    let hash_of = |identity: Identity| match identity {
        Identity::TextHash(hash) => hash,
        _ => foldhash::fast::FixedState::default().hash_one(identity),
    };
    let mut by_identity: FastMap<u64, u32> = FastMap::default();
    by_identity.insert(hash_of(Identity::Missing), MISSING);
    let mut colliding: Vec<u32> = Vec::new();
    // Reading a text cell depends only on its text: read each text once.
    // By a hash of the text too, with the row of its first cell to check
    // it against (on a mismatch the cell is simply read).
    // A column of texts that seldom repeat (ids, amounts, e-mails) would
    // hash each text twice for nothing, as it is and once read: texts are
    // looked up only while enough of the last `WINDOW_CELLS` text cells
    // repeated a value (a text found always has the id reading it gives,
    // so this changes no id).
    const WINDOW_CELLS: u32 = 1024;
    let hash_text = |text: &str| foldhash::fast::FixedState::default().hash_one(text);
    let mut by_text: FastMap<u64, (u32, u32)> = FastMap::default();
    let mut look_up = true;
    let (mut window, mut repeats) = (0u32, 0u32);
    let mut present = 0usize;
    for (row, cell) in column.cells.iter().enumerate() {
        let text_hash = match cell {
            Cell::Text(t) if look_up => Some(hash_text(t)),
            _ => None,
        };
        let known = text_hash.and_then(|hash| {
            let &(first_row, id) = by_text.get(&hash)?;
            (column.cells[first_row as usize] == *cell).then_some(id)
        });
        let (id, repeated) = if let Some(id) = known {
            (id, true)
        } else {
            let normalized = match read_cell(cell, analysis) {
                Reading::Missing | Reading::Placeholder => Normalized::Missing,
                Reading::Value { cell, .. } => norm_of(&cell),
                Reading::NonConforming => norm_of(cell),
            };
            let next = values.len() as u32;
            let same = |id: u32| values.get(id).same_as(&normalized, &texts);
            let id = match by_identity.entry(hash_of(normalized.identity())) {
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(next);
                    next
                }
                std::collections::hash_map::Entry::Occupied(entry) if same(*entry.get()) => {
                    *entry.get()
                }
                std::collections::hash_map::Entry::Occupied(_) => {
                    match colliding.iter().copied().find(|&id| same(id)) {
                        Some(id) => id,
                        None => {
                            colliding.push(next);
                            next
                        }
                    }
                }
            };
            if id == next {
                values.push(match normalized {
                    Normalized::Missing => Norm::Missing,
                    Normalized::Number(n) => Norm::Number(n),
                    Normalized::Date(n) => Norm::Date(n),
                    Normalized::Bool(b) => Norm::Bool(b),
                    Normalized::Text(t) => {
                        let start = texts.len() as u32;
                        texts.push_str(&t);
                        Norm::Text(start, texts.len() as u32)
                    }
                });
            }
            if let Some(hash) = text_hash {
                by_text.entry(hash).or_insert((row as u32, id));
            }
            (id, id != next)
        };
        if matches!(cell, Cell::Text(_)) {
            window += 1;
            repeats += u32::from(repeated);
            if window == WINDOW_CELLS {
                // Worth it from about one cell in sixteen found.
                look_up = repeats * 16 >= window;
                (window, repeats) = (0, 0);
            }
        }
        present += usize::from(id != MISSING);
        row_ids[row] = id;
    }
    drop(by_text);
    drop(by_identity);
    // Kept while the duplicates are searched, when the change log of a
    // clean is already full: no spare room.
    values.finish();
    texts.shrink_to_fit();
    let distinct = values.len() - 1;
    let ratio = if present == 0 {
        0.0
    } else {
        distinct as f64 / present as f64
    };

    let text = matches!(
        analysis.kind,
        ColumnType::Text | ColumnType::Category | ColumnType::Email
    );
    let code = matches!(
        analysis.kind,
        ColumnType::Identifier | ColumnType::Phone | ColumnType::Url
    );
    let (mut fingerprints, mut digit_ids, mut chars) = (Vec::new(), Vec::new(), Vec::new());
    let has_text = values.has_text();
    if has_text && !code {
        fingerprints = vec![0u32; values.len()];
        digit_ids = vec![0u32; values.len()];
        chars = vec![0u32; values.len()];
        let mut fp_ids: HashMap<String, u32, foldhash::fast::FixedState> = HashMap::default();
        let mut digit_map: HashMap<String, u32, foldhash::fast::FixedState> = HashMap::default();
        for (id, value) in values.iter().enumerate() {
            if let Norm::Text(start, end) = value {
                let t = &texts[start as usize..end as usize];
                let next = fp_ids.len() as u32;
                fingerprints[id] = *fp_ids.entry(fingerprint(t)).or_insert(next);
                let digits: String = t.chars().filter(char::is_ascii_digit).collect();
                let next = digit_map.len() as u32;
                digit_ids[id] = *digit_map.entry(digits).or_insert(next);
                chars[id] = t.chars().count() as u32;
            }
        }
    }
    KeyColumn {
        values,
        texts,
        texts_dropped: false,
        fingerprint: fingerprints,
        digits: digit_ids,
        chars,
        weight: 0.5 + ratio,
        distinctive: ratio >= 0.3,
        text,
        code,
    }
}

fn norm_of(cell: &Cell) -> Normalized {
    match cell {
        Cell::Empty => Normalized::Missing,
        Cell::Number(n) => Normalized::Number(*n),
        Cell::DateTime(n) | Cell::Duration(n) => Normalized::Date(*n),
        Cell::Bool(b) => Normalized::Bool(*b),
        Cell::Text(_) | Cell::Error(_) => {
            let folded = fingerprint_keep_order(cell.text_or_error().unwrap_or_default());
            if folded.is_empty() {
                Normalized::Missing
            } else {
                Normalized::Text(folded)
            }
        }
    }
}

/// Lower-cased, accents folded, punctuation and extra spaces dropped, word
/// order kept.
fn fingerprint_keep_order(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let keep = |c: char| {
        if c.is_alphanumeric() || c == '@' {
            c
        } else {
            ' '
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut push_words = |folded: &mut dyn Iterator<Item = char>| {
        let mut pending_space = false;
        for c in folded {
            if c.is_whitespace() {
                pending_space = !out.is_empty();
            } else {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
            }
        }
    };
    if text.is_ascii() {
        // NFKD leaves ASCII as it is and it has no combining marks.
        push_words(&mut text.chars().map(|c| keep(c.to_ascii_lowercase())));
    } else {
        push_words(
            &mut text
                .nfkd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .map(keep),
        );
    }
    out
}

/// What is known of one column's similarity before edit distances.
#[derive(Clone, Copy)]
enum Quick {
    /// Blank on both sides: the column does not count.
    Skip,
    Known(f64),
    /// Two different texts whose similarity needs the edit distances, and
    /// an upper bound of it.
    Text(f64),
}

impl KeyColumn {
    /// Whether nothing will read the texts of this column, given each
    /// row's id: a code column is only compared by id (different codes
    /// score 0), and only [`KeyColumn::rank`] reads its texts, for a big
    /// block; it blocks on exact values only, so a block never has more
    /// rows than a value has, and with no value on more than
    /// [`MAX_BLOCK`] rows no block is big.
    fn texts_unread(&self, ids: &[u32]) -> bool {
        if !self.code {
            return false;
        }
        if !self.distinctive {
            // Not blocked on at all.
            return true;
        }
        let mut rows_of = vec![0u32; self.values.len()];
        for &id in ids {
            if id != MISSING {
                let rows = &mut rows_of[id as usize];
                *rows += 1;
                if *rows as usize > MAX_BLOCK {
                    return false;
                }
            }
        }
        true
    }

    fn text_of(&self, start: u32, end: u32) -> &str {
        &self.texts[start as usize..end as usize]
    }

    /// The text that tells values apart and orders them in big blocks.
    fn write_key(&self, id: u32, out: &mut String) {
        use std::fmt::Write;
        // Writing to a `String` cannot fail.
        let _ = match self.values.get(id) {
            Norm::Missing => Ok(()),
            Norm::Number(n) => write!(out, "n{n}"),
            Norm::Date(n) => write!(out, "d{n}"),
            Norm::Bool(b) => write!(out, "b{b}"),
            Norm::Text(start, end) => {
                out.push('t');
                out.push_str(self.text_of(start, end));
                Ok(())
            }
        };
    }

    /// Per id, its place among the distinct values ordered by key text,
    /// for the sliding window over big blocks.
    fn rank(&self) -> Vec<u32> {
        assert!(!self.texts_dropped, "the texts of big blocks are kept");
        {
            // A key is a kind letter (none for the missing value) and the
            // value's text: texts are compared where they lie, and only
            // the other values' keys are written, all in one buffer.
            let mut others = String::new();
            let mut other_keys: FastMap<u32, (u32, u32)> = FastMap::default();
            for id in 0..self.values.len() as u32 {
                if !self.values.is_text(id) {
                    let start = others.len() as u32;
                    self.write_key(id, &mut others);
                    other_keys.insert(id, (start, others.len() as u32));
                }
            }
            let key = |id: u32| -> (&str, &str) {
                match self.values.get(id) {
                    Norm::Text(start, end) => ("t", self.text_of(start, end)),
                    _ => {
                        let (start, end) = other_keys[&id];
                        ("", &others[start as usize..end as usize])
                    }
                }
            };
            // The same order as comparing whole keys: a written key starts
            // with its kind letter (`b`, `d` or `n`, before `t`), the
            // missing value's is empty (first).
            let compare = |a: u32, b: u32| {
                let ((pa, ra), (pb, rb)) = (key(a), key(b));
                match (pa.is_empty(), pb.is_empty()) {
                    (false, false) => ra.cmp(rb),
                    (true, true) => ra.cmp(rb),
                    (true, false) => ra.as_bytes().iter().cmp(b"t".iter().chain(rb.as_bytes())),
                    (false, true) => b"t".iter().chain(ra.as_bytes()).cmp(rb.as_bytes().iter()),
                }
            };
            let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
            // Keys are distinct (ids are), so any sort gives this order.
            order.sort_unstable_by(|&a, &b| compare(a, b));
            let mut rank = vec![0u32; self.values.len()];
            for (r, &id) in order.iter().enumerate() {
                rank[id as usize] = r as u32;
            }
            rank
        }
    }

    /// Called for every candidate pair, column by column, until the pair
    /// is dropped: inlined, with one branch on the kind (none to read in a
    /// column of one kind).
    #[inline(always)]
    fn quick(&self, a: u32, b: u32) -> Quick {
        if a == b {
            if a == MISSING {
                return Quick::Skip;
            }
            // Same value: 1 for every kind but a NaN number.
            return match self.values.get(a) {
                Norm::Number(x) | Norm::Date(x) if x.is_nan() => Quick::Known(0.0),
                _ => Quick::Known(1.0),
            };
        }
        if a == MISSING || b == MISSING {
            return Quick::Known(0.5);
        }
        let kind = match self.values.uniform {
            Some(kind) => kind,
            None => {
                let kind = self.values.kinds[a as usize];
                if kind != self.values.kinds[b as usize] {
                    // Values of different kinds.
                    return Quick::Known(0.0);
                }
                kind
            }
        };
        let payload = |id: u32| self.values.payload[id as usize];
        Quick::Known(match kind {
            KIND_NUMBER => {
                number_similarity(f64::from_bits(payload(a)), f64::from_bits(payload(b)))
            }
            KIND_DATE => date_similarity(f64::from_bits(payload(a)), f64::from_bits(payload(b))),
            KIND_BOOL => f64::from(u8::from(payload(a) == payload(b))),
            // Different codes (INV-001, INV-002): different rows.
            KIND_TEXT if self.code => 0.0,
            KIND_TEXT => return self.quick_texts(a, b),
            _ => 0.0,
        })
    }

    /// [`KeyColumn::quick`] for two different texts of a column that is
    /// not a code column.
    #[inline(always)]
    fn quick_texts(&self, a: u32, b: u32) -> Quick {
        // Different ids are different texts.
        if self.digits[a as usize] != self.digits[b as usize] {
            // INV-001 and INV-002 are different invoices, however alike.
            Quick::Known(0.0)
        } else if self.fingerprint[a as usize] == self.fingerprint[b as usize] {
            Quick::Known(0.95)
        } else {
            Quick::Text(length_bound(self.chars[a as usize], self.chars[b as usize]))
        }
    }

    /// An upper bound of [`KeyColumn::text_similarity`] of two different
    /// texts, tighter than [`KeyColumn::quick_texts`]'s and still cheap:
    /// the edit distance is at least the bag distance (the characters one
    /// text has more of than the other, as each edit changes one). Only
    /// ASCII characters are counted, which keeps it a lower bound.
    fn text_bound(&self, a: u32, b: u32) -> f64 {
        let (Norm::Text(xs, xe), Norm::Text(ys, ye)) = (self.values.get(a), self.values.get(b))
        else {
            return 1.0;
        };
        let longest = self.chars[a as usize].max(self.chars[b as usize]);
        if longest == 0 || longest > EDIT_CHARS {
            // Long texts are compared by their ends: no bound of that.
            return 1.0;
        }
        let mut counts = [0i32; 128];
        for &byte in self.text_of(xs, xe).as_bytes() {
            if let Some(count) = counts.get_mut(usize::from(byte)) {
                *count += 1;
            }
        }
        for &byte in self.text_of(ys, ye).as_bytes() {
            if let Some(count) = counts.get_mut(usize::from(byte)) {
                *count -= 1;
            }
        }
        let (mut surplus, mut lack) = (0u32, 0u32);
        for count in counts {
            if count > 0 {
                surplus += count.unsigned_abs();
            } else {
                lack += count.unsigned_abs();
            }
        }
        // The arithmetic of `strsim::normalized_damerau_levenshtein`, so
        // that the bound holds in floating point too.
        let distance = surplus.max(lack);
        (1.0 - f64::from(distance) / f64::from(longest) + 0.1).min(1.0)
    }

    fn text_similarity(&self, a: u32, b: u32) -> f64 {
        let (Norm::Text(xs, xe), Norm::Text(ys, ye)) = (self.values.get(a), self.values.get(b))
        else {
            return 0.0;
        };
        let (x, y) = (self.text_of(xs, xe), self.text_of(ys, ye));
        let (la, lb) = (self.chars[a as usize], self.chars[b as usize]);
        if la.max(lb) <= EDIT_CHARS {
            return edit_similarity(x, y);
        }
        fn head(t: &str) -> &str {
            &t[..t.char_indices().nth(EDGE_CHARS).map_or(t.len(), |(i, _)| i)]
        }
        fn tail(t: &str) -> &str {
            &t[t.char_indices()
                .rev()
                .nth(EDGE_CHARS - 1)
                .map_or(0, |(i, _)| i)..]
        }
        let edges = (edit_similarity(head(x), head(y)) + edit_similarity(tail(x), tail(y))) / 2.0;
        edges.min(length_bound(la, lb))
    }
}

/// Texts longer than this many characters are compared by their first and
/// last [`EDGE_CHARS`] characters (and their lengths): an edit distance
/// takes time in the square of the length, and a sheet of long texts
/// would take hours. Names, addresses and descriptions are shorter.
const EDIT_CHARS: u32 = 128;
const EDGE_CHARS: usize = 64;

/// The similarity of two short texts: Jaro–Winkler, kept from rating two
/// texts that share a start but differ in most characters higher than
/// their edit distance allows.
fn edit_similarity(x: &str, y: &str) -> f64 {
    if x == y {
        // What the two give, without their time in the square of the length.
        return 1.0;
    }
    strsim::jaro_winkler(x, y).min(strsim::normalized_damerau_levenshtein(x, y) + 0.1)
}

/// An upper bound of the similarity of two texts of `la` and `lb`
/// characters: their edit distance is at least the difference in length.
fn length_bound(la: u32, lb: u32) -> f64 {
    let longest = f64::from(la.max(lb));
    if longest == 0.0 {
        1.0
    } else {
        (1.0 - f64::from(la.abs_diff(lb)) / longest + 0.1).min(1.0)
    }
}

fn number_similarity(x: f64, y: f64) -> f64 {
    let scale = x.abs().max(y.abs());
    let relative = if scale == 0.0 {
        0.0
    } else {
        (x - y).abs() / scale
    };
    if x == y {
        1.0
    } else if relative <= 0.001 {
        0.95
    } else if relative <= 0.01 {
        0.8
    } else {
        0.0
    }
}

fn date_similarity(x: f64, y: f64) -> f64 {
    let days = (x - y).abs();
    if days == 0.0 {
        1.0
    } else if days <= 1.0 {
        0.7
    } else {
        0.0
    }
}

/// Largest block compared pair by pair; bigger blocks are compared within
/// a sliding window over their sorted values.
const MAX_BLOCK: usize = 64;
const WINDOW: usize = 16;

/// Finds duplicate rows. Each duplicate row is reported once, against the
/// first row of its group; rows are data-row indices (header excluded).
pub fn find_duplicates(table: &Table, keys: &[usize], threshold: f64) -> Vec<DuplicatePair> {
    find_duplicates_with(table, keys, threshold, &mut Analyses::new())
}

/// [`find_duplicates`] with the analyses known for `table`'s columns.
pub fn find_duplicates_with(
    table: &Table,
    keys: &[usize],
    threshold: f64,
    analyses: &mut Analyses,
) -> Vec<DuplicatePair> {
    let rows = table.row_count();
    if rows < 2 || keys.is_empty() {
        return Vec::new();
    }
    // Rows are `u32` below (ids, groups, blocking entries): a table of 2^32
    // rows would need more than 96 GiB of cells.
    assert!(u32::try_from(rows).is_ok(), "fewer than 2^32 rows");
    // Columns are analysed (when not known yet) before anything below is
    // held: an analysis needs room of its own for a while.
    for &c in keys {
        analyses.get(table, c);
    }
    let (columns, row_ids) = key_columns(table, keys, analyses);

    // Exact duplicates after normalization: rows with the same ids.
    let mut parent: Vec<u32> = (0..rows as u32).collect();
    // Best score per duplicate row (few rows have one; 0 for the others).
    let mut best: FastMap<u32, f64> = FastMap::default();
    let mut representatives: Vec<u32> = Vec::new();
    {
        let mut first_of: FastMap<&[u8], u32> = FastMap::default();
        first_of.reserve(rows);
        for (row, parent) in parent.iter_mut().enumerate() {
            let key = row_ids.key(row);
            match first_of.get(key) {
                Some(&first) => {
                    *parent = first;
                    best.insert(row as u32, 1.0);
                }
                None => {
                    first_of.insert(key, row as u32);
                    representatives.push(row as u32);
                }
            }
        }
    }

    if threshold < 1.0 {
        fuzzy(
            &columns,
            &row_ids,
            &representatives,
            threshold,
            &mut parent,
            &mut best,
        );
    }

    let mut pairs = Vec::new();
    for row in 0..rows {
        let root = find(&mut parent, row as u32) as usize;
        if root != row {
            let score = best.get(&(row as u32)).copied().unwrap_or(0.0);
            pairs.push(DuplicatePair {
                row,
                duplicate_of: root,
                score: (score * 1000.0).round() / 1000.0,
            });
        }
    }
    pairs
}

/// The key columns' distinct values, and each row's ids of them.
fn key_columns(table: &Table, keys: &[usize], analyses: &mut Analyses) -> (Vec<KeyColumn>, RowIds) {
    let rows = table.row_count();
    // Each column's ids, one a row, then kept in the bytes its number of
    // values needs until they are laid out row by row.
    let mut ids: Vec<u32> = vec![MISSING; rows];
    let mut narrow: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
    let mut widths: Vec<usize> = Vec::with_capacity(keys.len());
    let mut columns: Vec<KeyColumn> = Vec::with_capacity(keys.len());
    for &c in keys {
        let mut column = normalize_column(table, c, analyses.get(table, c), &mut ids);
        if column.texts_unread(&ids) {
            column.texts = String::new();
            column.texts_dropped = true;
        }
        let width = id_width(column.values.len());
        let mut bytes = vec![0u8; rows * width];
        for (id, to) in ids.iter().zip(bytes.chunks_exact_mut(width)) {
            match width {
                1 => to[0] = *id as u8,
                2 => to.copy_from_slice(&(*id as u16).to_le_bytes()),
                3 => to.copy_from_slice(&id.to_le_bytes()[..3]),
                _ => to.copy_from_slice(&id.to_le_bytes()),
            }
        }
        narrow.push(bytes);
        widths.push(width);
        columns.push(column);
    }
    drop(ids);
    let row_ids = RowIds::pack(&narrow, &widths, rows);
    (columns, row_ids)
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

/// Joins two groups; the earliest row stays the representative.
fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        parent[hi as usize] = lo;
    }
}

/// Blocking kinds: the exact value, the first and the last three
/// characters. Blocks are visited column by column, kind by kind.
#[derive(Clone, Copy, PartialEq)]
enum BlockKind {
    Exact,
    Head,
    Tail,
}

/// One column in the pruning order of [`score_pair`]: the column, its
/// weight and the weight of the columns after it, worked out once with the
/// same arithmetic the check always used (floored at 0).
struct PruneStep<'a> {
    /// The column's index, its place in [`score_pair`]'s scratch space.
    index: usize,
    column: &'a KeyColumn,
    /// Where the column's id lies in a row.
    slot: Slot,
    weight: f64,
    rest: f64,
    fast: FastScore<'a>,
}

/// The score of two different present values of a column of one kind,
/// read without [`KeyColumn::quick`]: most pairs are dropped on these.
#[derive(Clone, Copy)]
enum FastScore<'a> {
    /// Texts of a code column: different ones score 0.
    Codes,
    /// Numbers, their bits by id.
    Numbers(&'a [u64]),
    /// Any other column: [`KeyColumn::quick`].
    General,
}

/// The order [`score_pair`] looks at columns in (any order gives the same
/// scores): columns whose different values score 0 (codes, numbers,
/// dates) before texts, whose bound without edit distances is weak;
/// heaviest first within each.
fn pruning_order(columns: &[KeyColumn]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by(|&a, &b| {
        (columns[a].text)
            .cmp(&columns[b].text)
            .then(columns[b].weight.total_cmp(&columns[a].weight))
    });
    order
}

/// The pruning order of `order` (column indices).
fn prune_steps<'a>(
    columns: &'a [KeyColumn],
    order: &[usize],
    slots: &[Slot],
    total_weight: f64,
) -> Vec<PruneStep<'a>> {
    let mut rest = total_weight;
    order
        .iter()
        .map(|&c| {
            let column = &columns[c];
            rest -= column.weight;
            let fast = match column.values.uniform {
                Some(KIND_TEXT) if column.code => FastScore::Codes,
                Some(KIND_NUMBER) => FastScore::Numbers(&column.values.payload),
                _ => FastScore::General,
            };
            PruneStep {
                index: c,
                column,
                slot: slots[c],
                weight: column.weight,
                rest: rest.max(0.0),
                fast,
            }
        })
        .collect()
}

/// Scores one pair, or `None` when it cannot reach `threshold`; `quick`
/// is scratch space, one slot per column.
///
/// Columns are first looked at heaviest first, with an upper bound for
/// texts that needs no edit distance, and the pair is dropped as soon as
/// even perfect agreement on the columns left could not reach the
/// threshold (most candidate pairs differ on an amount or an id). The
/// score of a pair that survives is summed in column order, as it always
/// was, so that the shortcut never changes a result.
#[inline(always)]
fn score_pair<R: Ids>(
    columns: &[KeyColumn],
    slots: &[Slot],
    steps: &[PruneStep<'_>],
    total_weight: f64,
    (ids_i, ids_j): (R, R),
    threshold: f64,
    quick: &mut [Quick],
) -> Option<f64> {
    let floor = threshold - 1e-9;
    // Most pairs end here, after two or three columns: nothing is stored.
    let (mut bound, mut weight) = (0.0, 0.0);
    for step in steps {
        let (a, b) = (ids_i.id(step.slot), ids_j.id(step.slot));
        let different = a != b && a != MISSING && b != MISSING;
        let q = match step.fast {
            FastScore::Codes if different => Quick::Known(0.0),
            FastScore::Numbers(bits) if different => Quick::Known(number_similarity(
                f64::from_bits(bits[a as usize]),
                f64::from_bits(bits[b as usize]),
            )),
            _ => step.column.quick(a, b),
        };
        match q {
            Quick::Skip => {}
            Quick::Known(s) | Quick::Text(s) => {
                bound += s * step.weight;
                weight += step.weight;
            }
        }
        if bound + step.rest < floor * (weight + step.rest) {
            return None;
        }
    }
    for ((column, slot), &at) in columns.iter().zip(quick.iter_mut()).zip(slots) {
        *slot = column.quick(ids_i.id(at), ids_j.id(at));
    }
    // Columns blank on both sides neither help nor hurt, but a pair
    // must agree on most of what the table describes.
    let weight: f64 = columns
        .iter()
        .zip(quick.iter())
        .filter(|(_, q)| !matches!(q, Quick::Skip))
        .map(|(c, _)| c.weight)
        .sum();
    if weight == 0.0 || weight * 2.0 < total_weight {
        return None;
    }
    // The texts' bounds are tightened, first all with bag distances, then
    // one by one to their scores, in the pruning order, until the pair
    // cannot reach the threshold: on a sheet of many short text columns
    // most pairs that get here are dropped before any edit distance.
    let needed = floor * weight;
    let mut bound: f64 = columns
        .iter()
        .zip(quick.iter())
        .map(|(column, q)| match *q {
            Quick::Skip => 0.0,
            Quick::Known(s) | Quick::Text(s) => s * column.weight,
        })
        .sum();
    if bound < needed {
        return None;
    }
    for exact in [false, true] {
        for step in steps {
            let Quick::Text(upper) = quick[step.index] else {
                continue;
            };
            let (a, b) = (ids_i.id(step.slot), ids_j.id(step.slot));
            quick[step.index] = if exact {
                let s = step.column.text_similarity(a, b);
                bound -= (upper - s) * step.weight;
                Quick::Known(s)
            } else {
                let tighter = step.column.text_bound(a, b).min(upper);
                bound -= (upper - tighter) * step.weight;
                Quick::Text(tighter)
            };
            if bound < needed {
                return None;
            }
        }
    }
    // Summed in column order, as it always was.
    let mut score = 0.0;
    for ((column, slot), &at) in columns.iter().zip(quick.iter()).zip(slots) {
        let s = match *slot {
            Quick::Skip => continue,
            Quick::Known(s) => s,
            Quick::Text(_) => column.text_similarity(ids_i.id(at), ids_j.id(at)),
        };
        score += s * column.weight;
    }
    Some(score / weight)
}

/// Blocks compared so far, by a hash of their rows, each with its rows to
/// tell blocks of the same hash apart (no allocation per block).
#[derive(Default)]
struct ComparedBlocks {
    /// Per hash, the latest block of that hash.
    latest: FastMap<u64, u32>,
    /// (start in `rows`, previous block of the same hash or `u32::MAX`);
    /// a block ends where the next one starts.
    blocks: Vec<(u32, u32)>,
    rows: Vec<u32>,
}

impl ComparedBlocks {
    /// Whether no block with the rows of `block` (entries of one value,
    /// the row in the low 32 bits) was seen before; notes it if so.
    /// A block past what `u32` positions reach is not noted: comparing
    /// its pairs again later changes no result.
    fn first_time(&mut self, identity: u64, block: &[u64]) -> bool {
        let latest = self.latest.get(&identity).copied();
        let mut earlier = latest;
        while let Some(index) = earlier {
            let (start, previous) = self.blocks[index as usize];
            let end = self
                .blocks
                .get(index as usize + 1)
                .map_or(self.rows.len(), |&(next, _)| next as usize);
            let rows = &self.rows[start as usize..end];
            if rows.len() == block.len() && rows.iter().zip(block).all(|(&a, &b)| a == b as u32) {
                return false;
            }
            earlier = (previous != u32::MAX).then_some(previous);
        }
        let (Ok(index), Ok(start)) = (
            u32::try_from(self.blocks.len()),
            u32::try_from(self.rows.len()),
        ) else {
            return true;
        };
        if index == u32::MAX || u32::try_from(self.rows.len() + block.len()).is_err() {
            return true;
        }
        self.latest.insert(identity, index);
        self.blocks.push((start, latest.unwrap_or(u32::MAX)));
        self.rows.extend(block.iter().map(|&entry| entry as u32));
        true
    }
}

/// What comparing a pair of rows needs, for [`Pairs::compare`].
struct Pairs<'a> {
    columns: &'a [KeyColumn],
    row_ids: &'a RowIds,
    /// [`RowIds::narrow`].
    narrow: bool,
    steps: &'a [PruneStep<'a>],
    total_weight: f64,
    threshold: f64,
    /// Scratch space for [`score_pair`].
    quick: Vec<Quick>,
}

impl Pairs<'_> {
    /// Compares rows `i` and `j`, joining their groups if they reach the
    /// threshold. Called some ten million times on 100,000 rows: inlined
    /// where it is called, the rows read with no bounds checks.
    #[inline(always)]
    fn compare(&mut self, i: usize, j: usize, parent: &mut [u32], best: &mut FastMap<u32, f64>) {
        let (i, j) = (i.min(j), i.max(j));
        if i == j {
            return;
        }
        let (columns, slots) = (self.columns, &self.row_ids.slots[..]);
        let score = if self.narrow {
            let rows = (self.row_ids.view(i), self.row_ids.view(j));
            score_pair(
                columns,
                slots,
                self.steps,
                self.total_weight,
                rows,
                self.threshold,
                &mut self.quick,
            )
        } else {
            let rows = (self.row_ids.row(i), self.row_ids.row(j));
            score_pair(
                columns,
                slots,
                self.steps,
                self.total_weight,
                rows,
                self.threshold,
                &mut self.quick,
            )
        };
        let Some(score) = score else {
            return;
        };
        if score >= self.threshold {
            let best = best.entry(j as u32).or_insert(0.0);
            if score > *best {
                *best = score;
            }
            union(parent, i as u32, j as u32);
        }
    }
}

/// Tells blocks apart in [`ComparedBlocks`]: a hash of their rows, in
/// order (the row is in the low 32 bits of an entry).
fn identity_of(entries: &[u64]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = foldhash::fast::FixedState::default().build_hasher();
    for &entry in entries {
        (entry as u32).hash(&mut hasher);
    }
    hasher.finish()
}

fn fuzzy(
    columns: &[KeyColumn],
    row_ids: &RowIds,
    candidates: &[u32],
    threshold: f64,
    parent: &mut [u32],
    best: &mut FastMap<u32, f64>,
) {
    let total_weight: f64 = columns.iter().map(|c| c.weight).sum();
    let steps = prune_steps(
        columns,
        &pruning_order(columns),
        &row_ids.slots,
        total_weight,
    );
    let mut pairs = Pairs {
        columns,
        row_ids,
        narrow: row_ids.narrow(),
        steps: &steps,
        total_weight,
        threshold,
        quick: vec![Quick::Skip; columns.len()],
    };
    // Blocking entries of one column and kind at a time, each the block's
    // value id over the row: 8 bytes, sorted as integers. Any visiting
    // order gives the same result.
    let mut entries: Vec<u64> = Vec::with_capacity(candidates.len());
    let mut by_rank: Vec<u64> = Vec::new();
    // Blocks already compared: a block with the same rows as an earlier
    // one (a short value is its own head and tail; a pair of rows alike in
    // several columns) would compare the same pairs again. Small blocks
    // count by their rows; big ones by their window, the same rows in the
    // same order.
    let mut small_compared = ComparedBlocks::default();
    let mut windows_compared = ComparedBlocks::default();
    for (c, column) in columns.iter().enumerate() {
        if !column.distinctive && !column.text {
            continue;
        }
        // Head and tail ids per distinct text value.
        let (mut heads, mut tails) = (Vec::new(), Vec::new());
        if column.text {
            let mut head_map: FastMap<&str, u32> = FastMap::default();
            let mut tail_map: FastMap<&str, u32> = FastMap::default();
            heads = vec![0u32; column.values.len()];
            tails = vec![0u32; column.values.len()];
            for (id, value) in column.values.iter().enumerate() {
                if let Norm::Text(start, end) = value {
                    let t = column.text_of(start, end);
                    let head_end = t.char_indices().nth(3).map_or(t.len(), |(i, _)| i);
                    let tail_start = t.char_indices().rev().nth(2).map_or(0, |(i, _)| i);
                    heads[id] = intern(&mut head_map, &t[..head_end]);
                    tails[id] = intern(&mut tail_map, &t[tail_start..]);
                }
            }
        }
        // Made for the column's first big block, if any.
        let mut rank: Option<Vec<u32>> = None;
        for kind in [BlockKind::Exact, BlockKind::Head, BlockKind::Tail] {
            let block_of: &[u32] = match kind {
                BlockKind::Exact if column.distinctive => &[],
                BlockKind::Head if column.text => &heads,
                BlockKind::Tail if column.text => &tails,
                _ => continue,
            };
            entries.clear();
            for &row in candidates {
                let id = row_ids.get(row as usize, c);
                if id == MISSING {
                    continue;
                }
                let block = match kind {
                    BlockKind::Exact => id,
                    _ if column.values.is_text(id) => block_of[id as usize],
                    _ => continue,
                };
                entries.push((u64::from(block) << 32) | u64::from(row));
            }
            entries.sort_unstable();
            for block in entries.chunk_by(|a, b| a >> 32 == b >> 32) {
                if block.len() < 2 {
                    continue;
                }
                // The row is in the low 32 bits of an entry, in both.
                let row = |entry: u64| entry as u32 as usize;
                if block.len() <= MAX_BLOCK {
                    if !small_compared.first_time(identity_of(block), block) {
                        continue;
                    }
                    for (a, &i) in block.iter().enumerate() {
                        for &j in &block[a + 1..] {
                            pairs.compare(row(i), row(j), parent, best);
                        }
                    }
                } else {
                    // Ordered by (rank of the row's value, row), as one
                    // integer each: the sort then reads no table.
                    let rank = rank.get_or_insert_with(|| column.rank());
                    by_rank.clear();
                    by_rank.extend(block.iter().map(|&entry| {
                        let x = entry as u32;
                        (u64::from(rank[row_ids.get(x as usize, c) as usize]) << 32) | u64::from(x)
                    }));
                    by_rank.sort_unstable();
                    // The same rows in the same order make the same
                    // window, in any column (columns that rise together,
                    // a text and its code).
                    if !windows_compared.first_time(identity_of(&by_rank), &by_rank) {
                        continue;
                    }
                    for (a, &i) in by_rank.iter().enumerate() {
                        for &j in by_rank[a + 1..].iter().take(WINDOW) {
                            pairs.compare(row(i), row(j), parent, best);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::table::text_table as table;

    #[test]
    fn exact_duplicates_after_normalization() {
        let t = table(&[
            &["Name", "Amount", "Date"],
            &["Acme GmbH", "1,234.50", "2024-01-15"],
            &["Globex", "99", "2024-01-16"],
            &["  ACME gmbh ", "1234.5", "01/15/2024"],
        ]);
        let pairs = find_duplicates(&t, &[0, 1, 2], 1.0);
        assert_eq!(
            pairs,
            vec![DuplicatePair {
                row: 2,
                duplicate_of: 0,
                score: 1.0
            }]
        );
    }

    #[test]
    fn fuzzy_duplicates_but_not_different_invoices() {
        let t = table(&[
            &["Invoice", "Customer", "Amount"],
            &["INV-001", "Jonathan Smith", "100"],
            &["INV-002", "Maria Garcia", "250"],
            &["INV-001", "Jonathon Smith", "100"],
            &["INV-003", "Jonathan Smith", "100"],
        ]);
        let pairs = find_duplicates(&t, &[0, 1, 2], 0.8);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!((pairs[0].row, pairs[0].duplicate_of), (2, 0));
        assert!(pairs[0].score >= 0.8 && pairs[0].score < 1.0);
        // On customer and amount only, the third invoice matches too.
        let pairs = find_duplicates(&t, &[1, 2], 0.8);
        assert_eq!(pairs.len(), 2);
    }

    #[test]
    fn texts_read_without_look_up_get_the_ids_of_their_first_cells() {
        // 3,000 distinct names stop the look-up of texts; their repeats
        // (spelt differently, or not) are then read, to the same ids.
        let mut rows: Vec<Vec<String>> = vec![vec!["Name".into()]];
        for i in 0..3000 {
            rows.push(vec![format!("Person {i}")]);
        }
        for i in (0..3000).step_by(7) {
            rows.push(vec![format!("  PERSON {i}")]);
            rows.push(vec![format!("Person {i}")]);
        }
        let t = owned_table(&rows);
        let mut analyses = Analyses::new();
        let mut ids = vec![0u32; t.row_count()];
        let column = normalize_column(&t, 0, analyses.get(&t, 0), &mut ids);
        assert_eq!(column.values.len(), 3001);
        for (k, i) in (0..3000).step_by(7).enumerate() {
            assert_eq!(ids[3000 + 2 * k], ids[i], "row {i}");
            assert_eq!(ids[3000 + 2 * k + 1], ids[i], "row {i}");
        }
        let pairs = find_duplicates(&t, &[0], 1.0);
        assert_eq!(pairs.len(), 2 * 3000_usize.div_ceil(7));
    }

    #[test]
    fn a_code_on_many_rows_keeps_its_texts_for_the_window() {
        // A code column blocks on its exact values; one code on more rows
        // than `MAX_BLOCK` makes a big block, ordered by the values' texts.
        let mut rows: Vec<Vec<String>> = vec![vec!["Part".into(), "Qty".into()]];
        for i in 0..1200 {
            let code = if i % 16 == 0 {
                "P-00000".to_owned()
            } else {
                format!("P-{i:05}")
            };
            rows.push(vec![code, format!("{}", 5000 + i)]);
        }
        rows.push(vec!["P-00001".into(), "5001".into()]);
        let t = owned_table(&rows);
        let mut analyses = Analyses::new();
        assert_eq!(analyses.get(&t, 0).kind, ColumnType::Identifier);
        let pairs = find_duplicates_with(&t, &[0, 1], 0.8, &mut analyses);
        // The last row repeats row 1: exact.
        assert!(
            pairs
                .iter()
                .any(|p| p.row == 1200 && p.duplicate_of == 1 && p.score == 1.0),
            "{pairs:?}"
        );
        // A unique code on few rows lets its texts go.
        let mut ids = vec![0u32; t.row_count()];
        let column = normalize_column(&t, 0, analyses.get(&t, 0), &mut ids);
        assert!(column.code && column.distinctive);
        assert!(!column.texts_unread(&ids));
        assert!(column.texts_unread(&ids[1..4]));
    }

    #[test]
    fn long_texts_are_compared_by_their_ends_and_lengths() {
        let note = |start: &str, middle: &str| {
            format!(
                "{start} {} {middle} {}",
                "words ".repeat(20),
                " more".repeat(30)
            )
        };
        let (column, ids) = one_column(vec![
            "Note".to_owned(),
            note("Paid", "first"),
            note("Paid", "other"),
            note("Owed", "first"),
            note("Paid", "first") + " and much more text to end it",
            "short".to_owned(),
        ]);
        assert!(column.text && !column.code);
        let similarity = |i: usize, j: usize| column.text_similarity(ids[i], ids[j]);
        // A different middle is not seen.
        assert_eq!(similarity(0, 1), 1.0);
        // A different start is.
        let start = similarity(0, 2);
        assert!(start < 1.0 && start > 0.9, "{start}");
        // So is a different end, and the lengths bound the score.
        let end = similarity(0, 3);
        let bound = length_bound(column.chars[ids[0] as usize], column.chars[ids[3] as usize]);
        assert!(end < 0.9 && end <= bound, "{end} {bound}");
        // Short against long: the lengths.
        assert_eq!(
            similarity(0, 4),
            length_bound(5, column.chars[ids[0] as usize])
        );
    }

    /// One column of `cells` (the first is the header), normalized: the
    /// column and each data row's id.
    pub(super) fn one_column(cells: Vec<String>) -> (KeyColumn, Vec<u32>) {
        let rows: Vec<Vec<String>> = cells.into_iter().map(|cell| vec![cell]).collect();
        let t = owned_table(&rows);
        let mut ids = vec![MISSING; t.row_count()];
        let column = normalize_column(&t, 0, Analyses::new().get(&t, 0), &mut ids);
        (column, ids)
    }

    pub(super) fn owned_table(rows: &[Vec<String>]) -> Table {
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        table(&rows)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::tests::{one_column, owned_table};
    use super::*;
    use proptest::prelude::*;

    /// A pair's score with every column scored, no shortcut: what
    /// `score_pair` returns for a pair that reaches the threshold.
    fn reference_score(columns: &[KeyColumn], row_ids: &RowIds, i: usize, j: usize) -> Option<f64> {
        let total: f64 = columns.iter().map(|c| c.weight).sum();
        let (mut score, mut weight) = (0.0, 0.0);
        for (c, column) in columns.iter().enumerate() {
            let (a, b) = (row_ids.get(i, c), row_ids.get(j, c));
            let s = match column.quick(a, b) {
                Quick::Skip => continue,
                Quick::Known(s) => s,
                Quick::Text(_) => column.text_similarity(a, b),
            };
            score += s * column.weight;
            weight += column.weight;
        }
        (weight > 0.0 && weight * 2.0 >= total).then(|| score / weight)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_shortcuts_never_change_a_score(
            rows in prop::collection::vec(
                prop::collection::vec("[abcé 1.]{0,7}|[ab]{120,140}", 3),
                2..14,
            ),
            threshold in 0.3f64..1.0,
        ) {
            let mut all = vec![vec!["A".to_owned(), "B".to_owned(), "C".to_owned()]];
            all.extend(rows);
            let t = owned_table(&all);
            let (columns, row_ids) = key_columns(&t, &[0, 1, 2], &mut Analyses::new());
            let total: f64 = columns.iter().map(|c| c.weight).sum();
            let steps = prune_steps(&columns, &pruning_order(&columns), &row_ids.slots, total);
            let mut quick = vec![Quick::Skip; columns.len()];
            let slots = &row_ids.slots;
            for i in 0..t.row_count() {
                for j in i + 1..t.row_count() {
                    let expected = reference_score(&columns, &row_ids, i, j);
                    let got = if row_ids.narrow() {
                        let rows = (row_ids.view(i), row_ids.view(j));
                        score_pair(&columns, slots, &steps, total, rows, threshold, &mut quick)
                    } else {
                        let rows = (row_ids.row(i), row_ids.row(j));
                        score_pair(&columns, slots, &steps, total, rows, threshold, &mut quick)
                    };
                    match expected {
                        Some(s) if s >= threshold => prop_assert_eq!(got, Some(s), "rows {} {}", i, j),
                        _ => prop_assert!(got.is_none() || got == expected, "rows {} {}: {:?}", i, j, got),
                    }
                }
            }
        }

        #[test]
        fn the_bag_bound_is_never_below_the_score(
            x in "\\PC{0,10}|[abcdé ]{0,10}|[ab]{100,200}",
            y in "\\PC{0,10}|[abcdé ]{0,10}|[ab]{100,200}",
        ) {
            let (column, ids) = one_column(vec!["Name".into(), x, y, "zz".into(), "zz".into()]);
            let (a, b) = (ids[0], ids[1]);
            prop_assume!(!column.code && a != b && a != MISSING && b != MISSING);
            prop_assume!(column.values.is_text(a) && column.values.is_text(b));
            let score = column.text_similarity(a, b);
            let bound = column.text_bound(a, b);
            prop_assert!(bound >= score, "{} < {}", bound, score);
            if let Quick::Text(weak) = column.quick(a, b) {
                prop_assert!(weak >= score, "{} < {}", weak, score);
            }
        }
    }
}
