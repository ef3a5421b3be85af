//! The Gemini stand-in as a process, for benchmarks and browser tests:
//! `gemini-standin [--addr 127.0.0.1:0] [--pieces N] [--pause-ms MS]
//! [--words W] [--control-addr 127.0.0.1:0]`. Every stream answers N pieces
//! of W words, MS apart, unless answers were scripted; the key is
//! `system_tests::gemini::KEY`, the model `MODEL`. Prints `gemini stand-in
//! listening on http://ADDR` and serves until killed (SIGINT or SIGTERM).
//!
//! With `--control-addr` it also serves the test-only control API
//! (`GeminiStandIn::control_router`: script answers, read the request
//! bodies) on that separate address, printed as `gemini stand-in control on
//! http://ADDR`; the browser tests drive it so. Without it request bodies are
//! not kept, so long runs (benchmarks) hold no memory.

use std::time::Duration;

use system_tests::gemini::{Behaviour, GeminiStandIn};

struct Args {
    addr: String,
    pieces: usize,
    pause: Duration,
    words: usize,
    control_addr: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:0".into(),
        pieces: 5,
        pause: Duration::ZERO,
        words: 8,
        control_addr: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: {value:?} is not a whole number"))
        };
        match flag.as_str() {
            "--addr" => args.addr = value.clone(),
            "--pieces" => args.pieces = number()?.max(1) as usize,
            "--pause-ms" => args.pause = Duration::from_millis(number()?),
            "--words" => args.words = number()?.max(1) as usize,
            "--control-addr" => args.control_addr = Some(value.clone()),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("gemini-standin: {message}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("gemini-standin: cannot listen on {}: {e}", args.addr);
            std::process::exit(2);
        }
    };
    let control = match &args.control_addr {
        Some(addr) => match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => Some(listener),
            Err(e) => {
                eprintln!("gemini-standin: cannot listen on {addr}: {e}");
                std::process::exit(2);
            }
        },
        None => None,
    };
    let standin = GeminiStandIn::serve(listener);
    if control.is_none() {
        standin.stop_recording();
    }
    let piece = |i: usize| {
        (0..args.words)
            .map(|w| format!("word{}", i * args.words + w))
            .collect::<Vec<_>>()
            .join(" ")
            + " "
    };
    standin.set_default_stream(Behaviour::Paced(
        (0..args.pieces).map(piece).collect(),
        args.pause,
    ));
    println!("gemini stand-in listening on {}", standin.url);
    if let Some(listener) = control {
        let addr = listener.local_addr().expect("bound address");
        let app = standin.control_router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        println!("gemini stand-in control on http://{addr}");
    }
    system_tests::wait_for_shutdown_signal().await;
}
