//! `masthead`: the binary. Parses the command line, loads the configuration, wires the
//! store, renderer and web layer together, and runs the chosen command.

mod cli;
mod config;
mod demo;
mod integrations;
mod reindex;
mod seed;
mod serve;
mod staff;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use cli::{Cli, Command, IntegrationCommand, LogFormat, StaffCommand};
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    // `demo` uses a data directory only when the operator chose one (flag or env).
    let data_dir_given = matches.value_source("data_dir") != Some(ValueSource::DefaultValue);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let filter = std::env::var("MASTHEAD_LOG").unwrap_or_else(|_| "info,sqlx=warn".to_owned());
    // Kept until the process ends: the last lines are written when it is dropped.
    let _log = masthead_web::log::init(cli.log_format == LogFormat::Json, &filter);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, data_dir_given)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the outermost context and its causes, joined.
            let mut message = e.to_string();
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message.push_str(": ");
                    message.push_str(&cause);
                }
            }
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, data_dir_given: bool) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => {
            let config = config::Config::load(&cli.data_dir, cli.config.as_deref())?;
            serve::run(config).await
        }
        Command::Demo(args) => {
            demo::run(&cli.data_dir, data_dir_given, cli.config.as_deref(), args).await
        }
        Command::Config => {
            let config = config::Config::load(&cli.data_dir, cli.config.as_deref())?;
            print!("{}", config.describe());
            Ok(())
        }
        Command::Migrate => {
            let config = config::Config::load(&cli.data_dir, cli.config.as_deref())?;
            serve::migrate(&config).await
        }
        Command::Staff {
            command: StaffCommand::Add(args),
        } => {
            let config = config::Config::load(&cli.data_dir, cli.config.as_deref())?;
            staff::add(&config, args).await
        }
        Command::Seed(args) => {
            let config = config::Config::load(&cli.data_dir, cli.config.as_deref())?;
            seed::run(&config, args).await
        }
        Command::Reindex => {
            let config = config::Config::load(&cli.data_dir, cli.config.as_deref())?;
            reindex::run(&config).await
        }
        Command::Integration {
            command: IntegrationCommand::Add(args),
        } => {
            let config = config::Config::load(&cli.data_dir, cli.config.as_deref())?;
            integrations::add(&config, &args.name, args.rate_limit).await
        }
    }
}
