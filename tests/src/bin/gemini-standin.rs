//! The Gemini stand-in as a process, for benchmarks and browser tests:
//! `gemini-standin [--addr 127.0.0.1:0] [--pieces N] [--pause-ms MS]
//! [--words W]`. Every stream answers N pieces of W words, MS apart; the
//! key is `system_tests::gemini::KEY`, the model `MODEL`. Prints
//! `gemini stand-in listening on http://ADDR` and serves until killed.
//! Request bodies are not kept, so long runs hold no memory.

use std::time::Duration;

use system_tests::gemini::{Behaviour, GeminiStandIn};

struct Args {
    addr: String,
    pieces: usize,
    pause: Duration,
    words: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:0".into(),
        pieces: 5,
        pause: Duration::ZERO,
        words: 8,
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
    let standin = GeminiStandIn::serve(listener);
    standin.stop_recording();
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
    let _ = tokio::signal::ctrl_c().await;
}
