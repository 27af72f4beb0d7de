//! The `juki` command: see `juki --help` and docs/cli.md.
//!
//! Everything that touches a terminal lives here, apart from the library: the command line
//! ([`cli`]), the operator REPL ([`repl`]), and the console both print through
//! ([`console`]: statement text in, results and errors out). The modules depend one way,
//! cli → repl → console, and reach the engine only through the `juki` library.
#![forbid(unsafe_code)]

mod cli;
mod console;
mod repl;

/// mimalloc instead of the system allocator: a load makes and frees millions of small
/// strings and vectors from several threads, and glibc's allocator spent about a fifth of
/// the load's time on them (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
