//! The vault: pseudonyms and the values they stand for, kept in the task
//! pane (serialize it to keep it; it never goes to the server).
//!
//! Rules:
//! * A token is `LABEL_N` (`PERSON_17`), numbered from 1 per label.
//! * The same exact value under the same label always gets the same token
//!   for the life of the vault; different values never share one, so
//!   [`Vault::unmask`] restores every value exactly.
//! * Values that get new tokens in one call to [`Vault::assign`] are
//!   numbered in the order of their keyed hash (HMAC-SHA256 with the
//!   workbook key), not in the order they were met: masking a table gives
//!   the same tokens whatever the order of its rows, and the numbers say
//!   nothing about the values (not even their alphabetical order).

use std::collections::{BTreeMap, HashMap};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::EngineError;

type HmacSha256 = Hmac<Sha256>;

/// Pseudonym tokens ↔ values, and the workbook's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "VaultData", into = "VaultData")]
pub struct Vault {
    key: Vec<u8>,
    /// Token → value.
    tokens: BTreeMap<String, String>,
    /// (label, value) → token.
    values: HashMap<(String, String), String>,
    /// Highest number used per label.
    counters: BTreeMap<String, u64>,
}

/// The stored form: the key in hex and the tokens (sorted).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VaultData {
    version: u32,
    key: String,
    tokens: BTreeMap<String, String>,
}

impl From<Vault> for VaultData {
    fn from(vault: Vault) -> VaultData {
        VaultData {
            version: 1,
            key: hex(&vault.key),
            tokens: vault.tokens,
        }
    }
}

impl TryFrom<VaultData> for Vault {
    type Error = String;
    fn try_from(data: VaultData) -> Result<Vault, String> {
        if data.version != 1 {
            return Err(format!("vault version {} is not supported", data.version));
        }
        let key = unhex(&data.key).ok_or("the vault key is not hexadecimal")?;
        let mut vault = Vault::new(&key).map_err(|e| e.to_string())?;
        for (token, value) in data.tokens {
            let (label, number) =
                split_token(&token).ok_or_else(|| format!("\"{token}\" is not a token"))?;
            let counter = vault.counters.entry(label.to_owned()).or_default();
            *counter = (*counter).max(number);
            vault
                .values
                .insert((label.to_owned(), value.clone()), token.clone());
            vault.tokens.insert(token, value);
        }
        Ok(vault)
    }
}

/// `PERSON_17` → (`PERSON`, 17).
fn split_token(token: &str) -> Option<(&str, u64)> {
    let (label, number) = token.rsplit_once('_')?;
    let valid_label = !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
        && label.as_bytes()[0].is_ascii_uppercase();
    let n: u64 = number.parse().ok()?;
    (valid_label && n > 0 && !number.starts_with('0')).then_some((label, n))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

pub(super) fn unhex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if !t.len().is_multiple_of(2) || !t.is_ascii() {
        return None;
    }
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).ok())
        .collect()
}

impl Vault {
    /// A vault for one workbook. The key (at least 16 bytes; 32 random
    /// bytes from the platform's CSPRNG recommended) makes the keyed
    /// hashes and the token order unguessable without it.
    pub fn new(key: &[u8]) -> Result<Vault, EngineError> {
        if key.len() < 16 {
            return Err(EngineError::InvalidInput(
                "the masking key must be at least 16 bytes".into(),
            ));
        }
        Ok(Vault {
            key: key.to_vec(),
            tokens: BTreeMap::new(),
            values: HashMap::new(),
            counters: BTreeMap::new(),
        })
    }

    pub fn from_json(text: &str) -> Result<Vault, EngineError> {
        serde_json::from_str(text).map_err(|e| EngineError::InvalidInput(format!("vault: {e}")))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// HMAC-SHA256 of `value` with the workbook key.
    pub fn keyed_hash(&self, value: &[u8]) -> [u8; 32] {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => return [0; 32],
        };
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// The keyed hash in lower-case hex, cut to `length` characters.
    pub fn keyed_hash_hex(&self, value: &str, length: usize) -> String {
        let mut h = hex(&self.keyed_hash(value.as_bytes()));
        h.truncate(length.clamp(1, 64));
        h
    }

    /// The token already given to `value` under `label`, if any.
    pub fn token_for(&self, label: &str, value: &str) -> Option<&str> {
        self.values
            .get(&(label.to_owned(), value.to_owned()))
            .map(String::as_str)
    }

    /// Gives tokens to every (label, value) that has none yet, numbering
    /// the new ones in the order of their keyed hash (see the module doc).
    pub fn assign<'a>(&mut self, requests: impl IntoIterator<Item = (&'a str, &'a str)>) {
        let mut new: Vec<([u8; 32], &str, &str)> = Vec::new();
        for (label, value) in requests {
            if self.token_for(label, value).is_none() {
                let mut message = Vec::with_capacity(label.len() + value.len() + 1);
                message.extend_from_slice(label.as_bytes());
                message.push(0);
                message.extend_from_slice(value.as_bytes());
                new.push((self.keyed_hash(&message), label, value));
            }
        }
        new.sort_unstable();
        new.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
        for (_, label, value) in new {
            if self.token_for(label, value).is_some() {
                continue;
            }
            let counter = self.counters.entry(label.to_owned()).or_default();
            *counter += 1;
            let token = format!("{label}_{counter}");
            self.values
                .insert((label.to_owned(), value.to_owned()), token.clone());
            self.tokens.insert(token, value.to_owned());
        }
    }

    /// The token for `value`, giving it one if it has none.
    pub fn pseudonym(&mut self, label: &str, value: &str) -> String {
        self.assign([(label, value)]);
        self.token_for(label, value).unwrap_or_default().to_owned()
    }

    /// The value a token stands for.
    pub fn value_of(&self, token: &str) -> Option<&str> {
        self.tokens.get(token).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Every token and its value, in token order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tokens.iter().map(|(t, v)| (t.as_str(), v.as_str()))
    }

    /// Replaces every token of this vault in `text` by its value. A token
    /// is a label, `_` and all the digits that follow (`PERSON_123` is not
    /// `PERSON_12` followed by `3`); tokens the vault does not hold stay.
    pub fn unmask(&self, text: &str) -> String {
        if self.tokens.is_empty() {
            return text.to_owned();
        }
        let mut labels: Vec<&str> = self.counters.keys().map(String::as_str).collect();
        labels.sort_by_key(|l| std::cmp::Reverse(l.len()));
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_uppercase() {
                i += 1;
                continue;
            }
            let mut replaced = None;
            for label in &labels {
                let rest = &text[i..];
                let Some(after) = rest.strip_prefix(label).and_then(|r| r.strip_prefix('_')) else {
                    continue;
                };
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                let len = label.len() + 1 + digits;
                if digits > 0
                    && let Some(value) = self.tokens.get(&rest[..len])
                {
                    replaced = Some((len, value));
                }
                if replaced.is_some() {
                    break;
                }
            }
            match replaced {
                Some((len, value)) => {
                    out.push_str(&text[copied..i]);
                    out.push_str(value);
                    i += len;
                    copied = i;
                }
                None => i += 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}
