//! Project tasks: `cargo xtask <command>`.

mod render;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Project tasks for the Sentinel AWS toolkit"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render every stack into templates/ (JSON and YAML), or check that it is fresh.
    Render(render::RenderArgs),
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

fn main() {
    let cli = Cli::parse();
    let result: Result<()> = match cli.command {
        Command::Render(args) => render::run(&root(), args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
