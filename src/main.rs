//! Entry point: parse the command line, run it, and turn any error into one line on stderr and
//! a non-zero exit code.

use std::process::ExitCode;

use clap::Parser;

/// Tesseract parallelises with OpenMP, and libgomp reads its thread limit once, when it loads:
/// too early to set from here. Each OCR engine must stay on its own thread (the pool already
/// runs one engine per core), so the process starts itself again with the limit set.
fn limit_openmp() {
    use std::os::unix::process::CommandExt as _;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let err =
        std::process::Command::new(exe).args(std::env::args_os().skip(1)).env("OMP_THREAD_LIMIT", "1").exec();
    // Only reached when the exec failed: run on, unlimited, and say so.
    eprintln!("sealdesk: warning: cannot limit OpenMP threads ({err}); set OMP_THREAD_LIMIT=1");
}

fn main() -> ExitCode {
    limit_openmp();
    let cli = sealdesk::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sealdesk: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(sealdesk::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sealdesk: error: {}", format!("{e:#}").replace('\n', "; "));
            ExitCode::FAILURE
        }
    }
}
