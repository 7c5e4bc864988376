//! The command line as a user meets it: a shipped config read with its includes, and every
//! subcommand ending quietly when the reader of its output goes away (`| head`).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

fn kairos_eval() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kairos-eval"));
    command.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    command
}

#[test]
fn feasibility_reads_a_shipped_config_with_its_includes() {
    let output = kairos_eval()
        .args([
            "feasibility",
            "--config",
            "boards/qemu-virt/partitions.dts",
            "--vm",
            "rtos1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.starts_with("VM rtos1 of boards/qemu-virt/partitions.dts: 1 tasks, Edf, U = 0.850")
    );
    // C = 1.7 ms every 2 ms under EDF: 0.3 ms of slack.
    assert!(
        text.contains("static affordable downtime A = 300000 ns"),
        "{text}"
    );
}

#[test]
fn every_subcommand_ends_quietly_on_a_closed_pipe() {
    let log = std::env::temp_dir().join(format!("kairos-eval-pipe-{}.log", std::process::id()));
    std::fs::write(
        &log,
        "EVT {\"ev\":\"boot\",\"t_ns\":1,\"core\":0}\nEVT {\"ev\":\"system_off\",\"t_ns\":2,\"core\":0}\n",
    )
    .unwrap();
    let log = log.to_str().unwrap().to_string();
    let out = std::env::temp_dir().join(format!("kairos-eval-pipe-{}", std::process::id()));
    let out = out.to_str().unwrap().to_string();
    let runs: [&[&str]; 5] = [
        &[
            "reliability",
            "--lambda",
            "1e-4",
            "--cores",
            "4",
            "--k",
            "2",
            "--steps",
            "5000",
        ],
        &["feasibility", "--tasks", "1000:10000,500:5000"],
        &["gen-config", "--seed", "3", "--fault-at-us", "60000"],
        &["report", "--trace", &log],
        &["summarize", "--out", &out, &log],
    ];
    for args in runs {
        let mut child = kairos_eval()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away before anything is written
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "{args:?}: {status}; stderr: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_file(&log);
    let _ = std::fs::remove_dir_all(&out);
}
