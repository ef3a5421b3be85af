use std::process::ExitCode;

use proxy::app::{App, shutdown_signal};
use proxy::config::Config;
use proxy::telemetry;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            // One clear line naming the variable, then stop.
            eprintln!("proxy: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let app = match App::build(config).await {
        Ok(app) => app,
        Err(error) => {
            eprintln!("proxy: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until_stopped(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("proxy: {error:#}");
            ExitCode::FAILURE
        }
    }
}
