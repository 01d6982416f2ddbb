//! The commands `kefu` understands.

use crate::config::Config;
use clap::{Args, Parser, Subcommand};
use kefu_app::{App, AppConfig};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

/// kefu (客服): self-hosted customer service — one inbox for every channel.
///
/// Configuration comes from environment variables (KEFU_BIND, KEFU_DATA_DIR,
/// KEFU_DATABASE_URL, KEFU_PUBLIC_URL, KEFU_SECURE_COOKIES, KEFU_BLOB_S3_*) and optionally a TOML
/// file with the same keys in lower case (bind, data_dir, database_url, …).
#[derive(Parser, Debug)]
#[command(name = "kefu", version)]
pub struct Cli {
    /// A TOML configuration file (environment variables override it).
    #[arg(long, global = true, env = "KEFU_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the workspace, the API and the widget (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Load a demo shop: teams, agents, customers and conversations.
    Demo,
    /// Import contacts or organisations from an .xlsx or .csv file (bad rows go to FILE.errors.csv).
    Import(crate::import::ImportArgs),
    /// Measure the message write path and the event stream (see docs/PERFORMANCE.md);
    /// `kefu bench import` measures importing contacts instead.
    Bench(BenchCommand),
}

/// `kefu bench [flags]` (messages) or `kefu bench import [--rows N]`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchCommand {
    #[command(subcommand)]
    pub what: Option<BenchWhat>,
    #[command(flatten)]
    pub messages: crate::bench::BenchArgs,
}

#[derive(Subcommand, Debug)]
pub enum BenchWhat {
    /// Import a generated .xlsx of contacts into a fresh SQLite database, twice.
    Import(crate::bench_import::BenchImportArgs),
    /// Search and list a generated archive of 1,000,000 contacts, beside the bare SQL.
    Archive(crate::bench_archive::ArchiveBenchArgs),
    /// Routing decisions and the supervisors' queue view at 100 agents and 100,000 open tickets.
    Routing(crate::bench_routing::RoutingBenchArgs),
    /// Mails per second from raw MIME to a stored, threaded conversation.
    Email(crate::bench_email::EmailBenchArgs),
    /// Order upserts per second through the API, and the order panel with 500 orders.
    Orders(crate::bench_orders::OrdersBenchArgs),
    /// Find conversations by their messages in 100,000 conversations / 1,000,000 messages.
    Search(crate::bench_search::SearchBenchArgs),
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an administrator. The password is asked for, or read from standard input.
    Create(AdminCreate),
}

#[derive(Args, Debug)]
pub struct AdminCreate {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// Read the password from the first line of standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEFU_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::load(cli.config.as_deref())?;
    kefu_app::blobs::install_tls_provider();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&config).await,
        Command::Migrate => {
            let db = config.open_db().await?;
            let n = db.migrate().await?;
            println!("applied {n} migration(s)");
            Ok(())
        }
        Command::Admin(AdminCommand::Create(a)) => create_admin(&config, a).await,
        Command::Token(TokenCommand::Create { email, name }) => {
            create_token(&config, &email, &name).await
        }
        Command::Demo => demo(&config).await,
        Command::Import(args) => crate::import::run(&config, args).await,
        Command::Bench(BenchCommand {
            what: Some(BenchWhat::Import(args)),
            ..
        }) => crate::bench_import::run(args).await,
        Command::Bench(BenchCommand {
            what: Some(BenchWhat::Archive(args)),
            ..
        }) => crate::bench_archive::run(args).await,
        Command::Bench(BenchCommand {
            what: Some(BenchWhat::Routing(args)),
            ..
        }) => crate::bench_routing::run(args).await,
        Command::Bench(BenchCommand {
            what: Some(BenchWhat::Email(args)),
            ..
        }) => crate::bench_email::run(args).await,
        Command::Bench(BenchCommand {
            what: Some(BenchWhat::Search(args)),
            ..
        }) => crate::bench_search::run(args).await,
        Command::Bench(BenchCommand {
            what: Some(BenchWhat::Orders(args)),
            ..
        }) => crate::bench_orders::run(args).await,
        Command::Bench(b) => crate::bench::run(b.messages).await,
    }
}

async fn open_app(config: &Config) -> anyhow::Result<App> {
    let db = config.open_db().await?;
    db.migrate().await?;
    let app_config = AppConfig {
        blobs: config.blob_settings()?,
        ..AppConfig::default()
    };
    Ok(App::start(db, app_config).await?)
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let app = open_app(config).await?;
    let listener = tokio::net::TcpListener::bind(config.bind())
        .await
        .map_err(|e| anyhow::anyhow!("while binding {}: {e}", config.bind()))?;
    let web = kefu_web::WebConfig {
        public_url: config.public_url.clone().unwrap_or_default(),
        secure_cookies: config.secure_cookies.unwrap_or(false),
    };
    let where_ = match &config.database_url {
        Some(url) => crate::config::redact(url),
        None => config.data_dir().join("kefu.sqlite3").display().to_string(),
    };
    tracing::info!(address = %listener.local_addr()?, database = %where_, "kefu is serving on http://{}", listener.local_addr()?);
    kefu_web::serve(app.clone(), web, listener, shutdown_signal()).await?;
    app.db.close().await;
    tracing::info!("kefu stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests");
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ")?;
    let again = rpassword::prompt_password("Password again: ")?;
    anyhow::ensure!(first == again, "the two passwords differ");
    Ok(first)
}

async fn create_admin(config: &Config, a: AdminCreate) -> anyhow::Result<()> {
    let password = read_password(a.password_stdin)?;
    let app = open_app(config).await?;
    let create = kefu_app::users::CreateUser {
        email: &a.email,
        name: &a.name,
        role: "admin",
        password: &password,
        locale: None,
    };
    let user = kefu_app::users::insert_user(&app, &create)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created administrator {} <{}> (id {})",
        user.name, user.email, user.id
    );
    Ok(())
}

async fn create_token(config: &Config, email: &str, name: &str) -> anyhow::Result<()> {
    let app = open_app(config).await?;
    let email = kefu_domain::EmailAddress::parse(email)?;
    let user = kefu_store::users::find_by_email(&app.db, email.as_str())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user has the email {}", email.as_str()))?;
    let (secret, _) = kefu_app::auth::create_token(&app, user.id, name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{secret}");
    eprintln!("This token is shown once. Use it as: Authorization: Bearer <token>");
    Ok(())
}

async fn demo(config: &Config) -> anyhow::Result<()> {
    let app = open_app(config).await?;
    let s = kefu_app::demo::load(&app)
        .await
        .map_err(|e| anyhow::anyhow!("while loading the demo (was it loaded before?): {e}"))?;
    println!("Demo shop loaded: {} conversations.", s.conversations);
    println!(
        "Sign in as {} (admin) or one of {} — password: {}",
        s.admin_email,
        s.agent_emails.join(", "),
        kefu_app::demo::DEMO_PASSWORD
    );
    println!(
        "Widget snippet: <script src=\"http://{}/widget.js\" data-kefu-inbox=\"{}\" async></script>",
        config.bind(),
        s.widget_token
    );
    Ok(())
}
