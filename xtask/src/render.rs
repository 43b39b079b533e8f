//! `cargo xtask render`: write (or check) `templates/`, or render one customised stack.

use anyhow::{bail, Context, Result};
use generator::config::{BucketName, QueueName, WorkspaceId};
use generator::facts::Cloud;
use generator::render::{self, Format};
use generator::stacks::{Overrides, StackKind, StackSpec};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// Fail, naming the stale files, if templates/ differs from what the code renders.
    #[arg(long)]
    pub check: bool,
    // Render one customised stack instead of the templates/ tree (the names are derived).
    #[arg(long, help = format!("Render one customised stack instead of the templates/ tree: {}", StackKind::choices()))]
    pub stack: Option<String>,
    /// Azure cloud of the Sentinel workspace: commercial or government.
    #[arg(long, default_value = "commercial")]
    pub cloud: String,
    /// Workspace ID to set as the workspace parameter's default.
    #[arg(long)]
    pub workspace_id: Option<String>,
    /// Role name to set as default (must start with OIDC_ except for the legacy role).
    #[arg(long)]
    pub role_name: Option<String>,
    /// Bucket name to set as default.
    #[arg(long)]
    pub bucket_name: Option<String>,
    /// Queue name to set as default (single-service stacks).
    #[arg(long)]
    pub queue_name: Option<String>,
    /// Output directory for --stack (default: current directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(root: &Path, args: RenderArgs) -> Result<()> {
    if args.stack.is_some() {
        return render_one(args);
    }
    if args.workspace_id.is_some() || args.role_name.is_some() || args.bucket_name.is_some() {
        bail!("--workspace-id, --role-name and --bucket-name customise one stack: add --stack <name> (the committed templates/ keep these as parameters)");
    }
    let dir = root.join("templates");
    let files = render::all_files();
    if args.check {
        let drift = render::check(&dir, &files).context("reading templates/")?;
        if drift.is_empty() {
            println!("templates/ is up to date ({} files)", files.len());
            return Ok(());
        }
        for d in &drift {
            eprintln!("  {d}");
        }
        bail!(
            "templates/ differs from what the code renders ({} files): run `cargo xtask render` and commit the result",
            drift.len()
        );
    }
    let changed = render::write(&dir, &files).context("writing templates/")?;
    for d in &changed {
        println!("  {d}");
    }
    println!(
        "rendered {} files into templates/ ({} changed)",
        files.len(),
        changed.len()
    );
    Ok(())
}

fn render_one(args: RenderArgs) -> Result<()> {
    // Validate everything before writing anything.
    let cloud: Cloud = args.cloud.parse()?;
    let spec = StackSpec::parse(args.stack.as_deref().expect("checked by caller"), cloud)?;
    let overrides = Overrides {
        workspace_id: args
            .workspace_id
            .as_deref()
            .map(str::parse::<WorkspaceId>)
            .transpose()?,
        role_name: args.role_name.clone(),
        bucket_name: args
            .bucket_name
            .as_deref()
            .map(str::parse::<BucketName>)
            .transpose()?,
        queue_name: args
            .queue_name
            .as_deref()
            .map(str::parse::<QueueName>)
            .transpose()?,
    };
    let mut template = spec.build();
    overrides.apply(&spec, &mut template)?;
    let out = args.out.unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for format in [Format::Json, Format::Yaml] {
        let path = out.join(format!("{}.{}", spec.stem(), format.extension()));
        std::fs::write(&path, render::render(&template, format))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
