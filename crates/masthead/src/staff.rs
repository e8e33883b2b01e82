//! `masthead staff add`.

use crate::cli::StaffAddArgs;
use crate::config::Config;
use crate::serve;
use anyhow::{anyhow, Result};
use masthead_core::people::{NewPerson, Role};
use masthead_web::passwords;
use std::io::IsTerminal;

pub async fn add(config: &Config, args: StaffAddArgs) -> Result<()> {
    let role: Role = args.role.parse().map_err(|_| {
        anyhow!(
            "unknown role {:?}: use contributor, author, editor or admin",
            args.role
        )
    })?;
    let person = NewPerson {
        name: args.name,
        email: args.email,
        role,
        bio: String::new(),
        job_title: String::new(),
        expertise: Vec::new(),
        social_links: Vec::new(),
        password_hash: String::new(),
    };
    person.validate().map_err(|e| anyhow!("{e}"))?;
    let (password, generated) = choose_password()?;
    let store = serve::open_store(config, false).await?;
    let person = store
        .create_person(&NewPerson {
            password_hash: passwords::hash(&password).map_err(anyhow::Error::msg)?,
            ..person
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "Added {} <{}> as {}.",
        person.name,
        person.email,
        person.role.label().to_lowercase()
    );
    if generated {
        println!("Password (shown once): {password}");
    }
    Ok(())
}

/// Asks on a terminal (empty answer generates one); elsewhere always generates.
fn choose_password() -> Result<(String, bool)> {
    if std::io::stdin().is_terminal() {
        let typed = rpassword::prompt_password("Password (empty to generate one): ")?;
        if !typed.is_empty() {
            if typed.chars().count() < passwords::MIN_LENGTH {
                return Err(anyhow!(
                    "the password is too short: use at least {} characters",
                    passwords::MIN_LENGTH
                ));
            }
            return Ok((typed, false));
        }
    }
    Ok((passwords::generate(), true))
}
