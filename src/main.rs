//! The `juki` command: see `juki --help` and docs/cli.md.

/// mimalloc instead of the system allocator: a load makes and frees millions of small
/// strings and vectors from several threads, and glibc's allocator spent about a fifth of
/// the load's time on them (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    juki::cli::main()
}
