//! The `juki` command.
fn main() {
    eprintln!("juki: no command yet");
    std::process::exit(2);
}
