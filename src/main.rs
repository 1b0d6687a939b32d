//! Entry point: parse the command line, run it, and turn any error into one line on stderr and
//! a non-zero exit code.

use std::process::ExitCode;

use clap::Parser;

/// Tesseract parallelises with OpenMP, and libgomp reads its thread limit once, when it loads:
/// too early to set from here. Each OCR engine must stay on its own thread (the pool already
/// runs one engine per core), so the process starts itself again with the limit set.
///
/// The same start sets glibc's mmap threshold to 1 MiB (unless set already). By default glibc
/// raises it after the first large free, up to 32 MiB, after which decoded pages (tens of MB)
/// come from per-thread arenas that keep the memory: 50 uploads at once peaked at 522 MB
/// resident that way, 205 MB with the threshold fixed (`cargo bench --bench upload`).
fn limit_openmp() {
    use std::os::unix::process::CommandExt as _;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1)).env("OMP_THREAD_LIMIT", "1");
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        cmd.env("MALLOC_MMAP_THRESHOLD_", "1048576");
    }
    let err = cmd.exec();
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
