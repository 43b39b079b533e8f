//! Helpers shared by the harness's integration tests.

use harness::{LocalStackConfig, ModeChoice};

/// Host mode, everything else default.
pub fn host() -> LocalStackConfig {
    LocalStackConfig {
        mode: ModeChoice::Host,
        ..LocalStackConfig::default()
    }
}

/// Any live (non-zombie) process left in the group?
pub fn group_alive(pgid: i32) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        let Some(close) = stat.rfind(')') else {
            return false;
        };
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        fields.len() > 2 && fields[2] == pgid.to_string() && fields[0] != "Z"
    })
}
