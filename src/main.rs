//! The `getimages` binary: read settings, set up logs, then serve (build, run) or, with
//! `check`, run the live self-check.

use std::process::ExitCode;

use getimages::configuration::{Command, Settings};
use getimages::startup::Application;
use getimages::{budget, check, telemetry};

#[actix_web::main]
async fn main() -> ExitCode {
    budget::tune_allocator();
    let settings = Settings::load();
    let logs = &settings.logs;
    let checked = settings
        .test_hooks
        .upstream_overrides()
        .and_then(|_| telemetry::init(&logs.log_filter, logs.log_format, logs.log_buffer_lines));
    // Held to the end of main: dropping it writes out the last lines (the stop's reason).
    let _logs = match checked {
        Ok(guard) => guard,
        Err(e) => {
            // Same exit code as clap gives a bad flag.
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(Command::Check(args)) = &settings.command {
        return match check::run(&settings, args).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    let app = match Application::build(&settings) {
        Ok(app) => app,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until_stopped().await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
