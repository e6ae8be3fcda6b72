//! The `gridsite` command: parse, run, map the outcome to an exit status and one clear message.

/// mimalloc: reading a large map allocates millions of small vectors from several threads at
/// once, where the system allocator costs a third of the load time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(error) => {
            // Every error of the library states its cause in its own message.
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}
