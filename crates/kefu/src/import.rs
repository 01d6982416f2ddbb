//! `kefu import`: contacts or organisations from an .xlsx or .csv file, with a progress bar.

use crate::config::Config;
use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kefu_app::transfer::{self, Entity, ImportFile};
use kefu_app::{App, AppConfig};
use kefu_sheets::Format;
use kefu_store::imports::ImportRow;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What the file holds: contacts or organisations.
    #[arg(long)]
    pub entity: String,
    /// The .xlsx or .csv file (UTF-8 or GB18030).
    #[arg(long)]
    pub file: PathBuf,
    /// A mapping saved in the workspace; without it, columns are matched by their headers.
    #[arg(long)]
    pub mapping: Option<String>,
    /// The database to import into (default: the configured one).
    #[arg(long)]
    pub database_url: Option<String>,
}

pub async fn run(config: &Config, args: ImportArgs) -> anyhow::Result<()> {
    let entity = Entity::parse(&args.entity)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("while reading {}", args.file.display()))?;
    let db = match &args.database_url {
        Some(url) => kefu_store::Db::open_url(url).await?,
        None => config.open_db().await?,
    };
    db.migrate().await?;
    let app = App::start(db, AppConfig::default()).await?;
    let mapping = match &args.mapping {
        Some(name) => Some(
            transfer::mapping_named(&app, entity, name)
                .await
                .with_context(|| format!("there is no saved mapping named '{name}'"))?,
        ),
        None => None,
    };
    let file = ImportFile {
        entity,
        file_name: args
            .file
            .file_name()
            .map_or_else(|| "import".into(), |n| n.to_string_lossy().into_owned()),
        bytes,
        mapping,
    };
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({per_sec}, {eta} left) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let import = transfer::import_from_command_line(&app, &file, |c, total| {
        bar.set_length(total as u64);
        bar.set_position(c.processed as u64);
        bar.set_message(format!(
            "{} new, {} updated, {} bad",
            c.created, c.updated, c.failed
        ));
    })
    .await?;
    bar.finish_and_clear();
    summarise(&import);
    if import.failed > 0 {
        let report = write_errors(&app, &import, &args.file).await?;
        println!("Bad rows and their reasons: {}", report.display());
    }
    app.db.close().await;
    Ok(())
}

fn summarise(i: &ImportRow) {
    println!(
        "{}: {} rows — {} created, {} updated, {} already up to date, {} bad",
        i.file_name, i.total, i.created, i.updated, i.unchanged, i.failed
    );
}

/// Writes the bad rows next to the file as `<file>.errors.csv`.
async fn write_errors(app: &App, import: &ImportRow, file: &Path) -> anyhow::Result<PathBuf> {
    let errors = kefu_store::imports::errors(&app.db, import.id, u64::MAX >> 1).await?;
    let report = transfer::error_report(import, &errors, Format::Csv)?;
    let mut path = file.as_os_str().to_owned();
    path.push(".errors.csv");
    let path = PathBuf::from(path);
    std::fs::write(&path, report.bytes)
        .with_context(|| format!("while writing {}", path.display()))?;
    Ok(path)
}
