//! The REPL through a real pseudo-terminal: completion, multi-line statements under a
//! continuation prompt, Ctrl-C, `\timing`, Ctrl-D, and a history file that is 0600 and never
//! holds a My Number. (The pseudo-terminal reader sees bytes, so the expectations are
//! ASCII.)
#![cfg(unix)]

mod common;
use common::leaks::{assert_no_leak, Secrets};
use rexpect::session::spawn_command;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

const PASSWORD: &str = "admin-password-1";

const MOVE_IN: &str = "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1980-04-01 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 ON 2020-04-01";

#[test]
fn an_operator_session() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("city.redb");
    let history = dir.path().join("history");
    let setup = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args([
            "init",
            "--db",
            db.to_str().unwrap(),
            "--admin",
            "admin1",
            "--municipality",
            "282065",
        ])
        .env("JUKI_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(setup.status.success());
    let setup = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "--operator",
            "admin1",
            "-c",
            MOVE_IN,
        ])
        .env("JUKI_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(setup.status.success());

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juki"));
    cmd.args([
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
        "--operator",
        "admin1",
    ])
    .env("JUKI_HISTORY", &history)
    .env_remove("JUKI_PASSWORD")
    .env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(10_000)).unwrap();
    // The password is asked on the terminal, without echo.
    p.exp_string("password for admin1: ").unwrap();
    p.send_line(PASSWORD).unwrap();
    p.exp_string("juki> ").unwrap();

    // Completion: HIST<Tab> becomes HISTORY.
    p.send("HIST\t").unwrap();
    p.send_line(" 24727059608").unwrap();
    p.exp_string("\"version\":1,").unwrap();
    p.exp_string("juki> ").unwrap();

    // A statement without ON continues on the next line, under the continuation prompt.
    p.send_line("MOVE 24727059608 address=芦屋市打出町2-3")
        .unwrap();
    p.exp_string(" ...> ").unwrap();
    p.send_line("ON 2024-07-01").unwrap();
    p.exp_string("\"version\":2,\"seq\":2,").unwrap();
    p.exp_string("juki> ").unwrap();

    // So does a search cut off after `name=`, and Ctrl-C there drops the whole statement.
    p.send_line("FIND name=").unwrap();
    p.exp_string(" ...> ").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("juki> ").unwrap();
    p.send_line("FIND name=").unwrap();
    p.exp_string(" ...> ").unwrap();
    p.send_line("ヤマダ birth=1980-04-01").unwrap();
    p.exp_string("\"resident_code\":\"24727059608\"").unwrap();
    p.exp_string("juki> ").unwrap();

    // Ctrl-C cancels the line being typed.
    p.send("DEATH 24727059608 ON 2025-01-01").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("juki> ").unwrap();

    // A My Number typed in a statement is answered, masked, and not remembered.
    p.send_line("GET MYNUMBER 1234-5678-9018").unwrap();
    p.exp_string("\"my_number\":\"****-****-****\"").unwrap();
    p.send_line("\\timing").unwrap();
    p.exp_string("timing is on").unwrap();
    p.send_line("GET 24727059608 AS OF 2024-06-30").unwrap();
    p.exp_string("time: ").unwrap();
    p.exp_string("juki> ").unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();

    let kept = std::fs::read_to_string(&history).unwrap();
    assert!(kept.contains("GET MYNUMBER ****"), "{kept}");
    assert!(!kept.contains("9018"), "{kept}");
    // Neither the number in any printed form nor the password typed at the sign-in.
    let secrets = Secrets::new().number("123456789018").password(PASSWORD);
    assert_no_leak(&kept, &secrets, "the REPL history file");
    assert!(
        !kept.contains("DEATH"),
        "a cancelled line is not kept: {kept}"
    );
    let mode = std::fs::metadata(&history).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // The 転居 was recorded; the cancelled 死亡 was not.
    let out = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "--operator",
            "admin1",
            "-c",
            "GET 24727059608",
        ])
        .env("JUKI_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let now = String::from_utf8(out.stdout).unwrap();
    assert!(
        now.contains("\"address\":\"芦屋市打出町2-3\"") && now.contains("\"status\":\"active\""),
        "{now}"
    );
}
