//! The proxy served inside the test process on a free port, with the Gemini
//! stand-in as its upstream, stopped when dropped. Tests that need the real
//! binary (kills, restarts) spawn it instead.

use std::net::SocketAddr;

use proxy::app::App;
use proxy::config::Config;
use proxy::gemini::{RetryPolicy, Timeouts};
use proxy::state::AppState;

use crate::gemini::KEY;

pub struct InProcessProxy {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for InProcessProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl InProcessProxy {
    /// Local mode unless `extra` configures auth: its own `DATA_DIR`, no
    /// add-in files, Gemini at `gemini_url` with the stand-in's key.
    /// `extra` is applied on top (a later variable wins).
    pub async fn start(
        gemini_url: &str,
        extra: impl IntoIterator<Item = (String, String)>,
        timeouts: Timeouts,
        retry: RetryPolicy,
    ) -> InProcessProxy {
        let dir = tempfile::tempdir().unwrap();
        let mut vars: Vec<(String, String)> = vec![
            ("PROXY_ADDR".into(), "127.0.0.1:0".into()),
            ("DATA_DIR".into(), dir.path().display().to_string()),
            (
                "ADDIN_DIR".into(),
                dir.path().join("none").display().to_string(),
            ),
            ("GEMINI_API_KEY".into(), KEY.into()),
            ("GEMINI_BASE_URL".into(), gemini_url.to_owned()),
        ];
        vars.extend(extra);
        let config = Config::from_lookup(|name| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap();
        let state = AppState::with_gemini_settings(config.clone(), timeouts, retry).unwrap();
        let app = App::with_state(config, state.clone()).await.unwrap();
        let addr = app.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        InProcessProxy {
            addr,
            state,
            stop: Some(stop),
            _dir: dir,
        }
    }
}

/// `(name, value)` pairs as the owned strings `start` takes.
pub fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
