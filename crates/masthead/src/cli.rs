//! The command line: global flags and subcommands.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "masthead",
    version,
    about = "An independent newspaper in one binary."
)]
pub struct Cli {
    /// Directory holding the SQLite database, media and theme overrides.
    #[arg(
        long,
        global = true,
        env = "MASTHEAD_DATA_DIR",
        default_value = "./masthead-data"
    )]
    pub data_dir: PathBuf,

    /// TOML configuration file (default: <data-dir>/masthead.toml, if present).
    #[arg(long, global = true, env = "MASTHEAD_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "MASTHEAD_LOG_FORMAT")]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve,
    /// Run a demo publication in a fresh data directory.
    Demo(DemoArgs),
    /// Apply pending database migrations and report what was done.
    Migrate,
    /// Show every configuration key: its value now, where to set it, and its default.
    Config,
    /// Manage newsroom staff.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Generate deterministic content for benchmarks and tests.
    Seed(SeedArgs),
    /// Rebuild the search index from the database, with a progress bar.
    Reindex,
    /// Manage integrations: the apps and tools that use the Content and Admin APIs.
    Integration {
        #[command(subcommand)]
        command: IntegrationCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Add an integration and print its Content API key and Admin API key.
    Add(IntegrationAddArgs),
}

#[derive(Debug, Args)]
pub struct IntegrationAddArgs {
    /// What the integration is, as the newsroom will see it ("Zapier", "Mobile app").
    #[arg(long)]
    pub name: String,
    /// Requests each of its keys may make a minute (1 to 100000).
    #[arg(long, default_value_t = masthead_core::integration::DEFAULT_RATE_LIMIT)]
    pub rate_limit: u32,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Port to serve on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a staff member; prompts for a password on a terminal, else generates one.
    Add(StaffAddArgs),
}

#[derive(Debug, Args)]
pub struct StaffAddArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// contributor, author, editor or admin.
    #[arg(long)]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many articles to generate.
    #[arg(long)]
    pub articles: u32,
    /// Seed of the generator: the same seed gives the same content.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}
