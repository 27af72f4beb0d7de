//! The `juki` command: see `juki --help` and cli.md.

fn main() -> std::process::ExitCode {
    juki::cli::main()
}
