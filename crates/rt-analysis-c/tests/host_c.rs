//! `kairos_analysis.h` and the host build of `libkairos_analysis.a` from a C program: the
//! header compiles with `gcc -std=c11 -Wall -Wextra -Werror`, the program links against the
//! library, and what it computes through the C API is what `rt-analysis` computes.

use std::path::{Path, PathBuf};
use std::process::Command;

use rt_analysis::online::SlackAnalyzer;
use rt_analysis::predict::predict_misses;
use rt_analysis::{JobState, Scheduler, SimState, Slack, Task, TaskSet};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The host static library cargo built next to this test (target/<profile>/).
fn library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    let library = profile.join("libkairos_analysis.a");
    assert!(library.exists(), "{} is missing", library.display());
    library
}

fn run_host_program() -> String {
    let program = std::env::temp_dir().join(format!("kairos-analysis-host-{}", std::process::id()));
    let include = |dir: &Path| format!("-I{}", dir.display());
    let output = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2"])
        .arg(include(&crate_dir().join("include")))
        .arg(include(&crate_dir().join("../../guest-paravirt/include")))
        .arg(crate_dir().join("tests/c/host_check.c"))
        .arg(library())
        .args(["-lpthread", "-ldl", "-lm", "-lrt", "-o"])
        .arg(&program)
        .output()
        .expect("gcc");
    assert!(
        output.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ran = Command::new(&program).output().unwrap();
    let _ = std::fs::remove_file(&program);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    String::from_utf8(ran.stdout).unwrap()
}

#[test]
fn a_c_program_gets_the_slack_and_misses_rt_analysis_computes() {
    let ms = 1_000_000;
    let set = TaskSet::new(
        vec![
            Task::periodic(3 * ms / 2, 2 * ms),
            Task::periodic(2 * ms, 10 * ms).with_deadline(8 * ms),
        ],
        Scheduler::Edf,
    )
    .unwrap();
    let state = SimState {
        now: ms,
        active: vec![
            JobState {
                task: 0,
                release: 0,
                abs_deadline: 2 * ms,
                remaining: ms / 2,
            },
            JobState {
                task: 1,
                release: 0,
                abs_deadline: 8 * ms,
                remaining: 2 * ms,
            },
        ],
        next_release: vec![2 * ms, 10 * ms],
    };
    let Slack::Finite(a) = SlackAnalyzer::new(set.clone()).affordable_downtime(
        state.now,
        &state.active,
        &state.next_release,
        u64::MAX,
    ) else {
        panic!("finite slack expected");
    };
    let misses = predict_misses(&set, &state, a + ms).unwrap();
    assert!(misses.iter().sum::<u32>() > 0, "{misses:?}");
    let expected = format!(
        "new=ok\nslack=ok a={a} exact=1\npredict={} misses={},{}\nslot jobs=2 a={a}\ncheck=deadline_exceeds_period task=1\n",
        misses.iter().sum::<u32>(),
        misses[0],
        misses[1]
    );
    assert_eq!(run_host_program(), expected);
}
