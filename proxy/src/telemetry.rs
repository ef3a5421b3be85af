use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Logs to stderr, as JSON lines by default (`LOG_FORMAT=text` for people);
/// `RUST_LOG` overrides the default level. Each request's lines carry its
/// `request_id` (the `request` span).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    // `try_init` so that tests which build several apps do not panic.
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
