//! Typed configuration from environment variables. A bad value stops
//! start-up with one line naming the variable; secrets never reach a log.

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;

#[derive(Debug, Clone)]
pub struct Config {
    /// `PROXY_ADDR`: where to listen.
    pub addr: SocketAddr,
    /// `DATA_DIR`: the embedded store and local queues live here.
    pub data_dir: PathBuf,
    /// `ADDIN_DIR`: the built task pane (`addin/dist`).
    pub addin_dir: PathBuf,
    /// `GEMINI_API_KEY`: chat is off without it.
    pub gemini_api_key: Option<SecretString>,
    /// `MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch
    /// the process environment. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let addr = get("PROXY_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr = addr.parse().map_err(|_| ConfigError {
            var: "PROXY_ADDR",
            reason: format!("\"{addr}\" is not an address like 127.0.0.1:3000"),
        })?;

        let max_body_bytes = match get("MAX_BODY_BYTES") {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(v) => v
                .parse()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| ConfigError {
                    var: "MAX_BODY_BYTES",
                    reason: format!("\"{v}\" is not a positive number of bytes"),
                })?,
        };

        Ok(Config {
            addr,
            data_dir: get("DATA_DIR").unwrap_or_else(|| "./data".into()).into(),
            addin_dir: get("ADDIN_DIR")
                .unwrap_or_else(|| "./addin/dist".into())
                .into(),
            gemini_api_key: get("GEMINI_API_KEY").map(SecretString::from),
            max_body_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_need_no_configuration() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.addin_dir, PathBuf::from("./addin/dist"));
        assert!(c.gemini_api_key.is_none());
        assert_eq!(c.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
    }

    #[test]
    fn values_are_read_and_blank_means_unset() {
        let c = config(&[
            ("PROXY_ADDR", "0.0.0.0:8080"),
            ("DATA_DIR", "/var/lib/proxy"),
            ("GEMINI_API_KEY", "k-123"),
            ("MAX_BODY_BYTES", "1024"),
            ("ADDIN_DIR", "  "),
        ])
        .unwrap();
        assert_eq!(c.addr.port(), 8080);
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/proxy"));
        assert_eq!(c.gemini_api_key.unwrap().expose_secret(), "k-123");
        assert_eq!(c.max_body_bytes, 1024);
        assert_eq!(c.addin_dir, PathBuf::from("./addin/dist"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("PROXY_ADDR", "localhost")]).unwrap_err();
        assert_eq!(e.var, "PROXY_ADDR");
        assert_eq!(
            e.to_string(),
            "invalid PROXY_ADDR: \"localhost\" is not an address like 127.0.0.1:3000"
        );
        assert_eq!(
            config(&[("MAX_BODY_BYTES", "0")]).unwrap_err().var,
            "MAX_BODY_BYTES"
        );
        assert_eq!(
            config(&[("MAX_BODY_BYTES", "ten")]).unwrap_err().var,
            "MAX_BODY_BYTES"
        );
    }

    #[test]
    fn the_key_is_not_printed_by_debug() {
        let c = config(&[("GEMINI_API_KEY", "super-secret-key")]).unwrap();
        assert!(!format!("{c:?}").contains("super-secret-key"));
    }
}
