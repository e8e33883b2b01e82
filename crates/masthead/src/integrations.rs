//! `masthead integration add`: an integration and its keys, made from the command line
//! (the newsroom's Integrations screen does the same for admins).

use crate::config::Config;
use crate::serve;
use anyhow::{anyhow, Result};
use masthead_core::auth::{AuditAction, NewAuditEntry};
use masthead_core::integration::{Integration, NewIntegration};

/// Adds an integration called `name`, allowed `rate_limit` requests a minute per key,
/// and prints its keys.
pub async fn add(config: &Config, name: &str, rate_limit: u32) -> Result<()> {
    let integration = NewIntegration {
        rate_limit,
        ..NewIntegration::new(name, masthead_web::secrets::integration_keys())
    };
    integration.validate().map_err(|e| anyhow!("{e}"))?;
    let store = serve::open_store(config, false).await?;
    let added = create(&*store, &integration).await?;
    println!("Added the integration {:?}.", added.name);
    print_keys(&added);
    Ok(())
}

/// Stores `integration`, audited as done from the command line.
pub async fn create(
    store: &dyn masthead_core::store::Store,
    integration: &NewIntegration,
) -> Result<Integration> {
    store
        .create_integration(
            integration,
            &NewAuditEntry {
                at: chrono::Utc::now(),
                actor: None,
                action: AuditAction::IntegrationAdded,
                target: integration.name.clone(),
                ip: "command line".into(),
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))
}

/// The keys, as clients are given them.
pub fn print_keys(integration: &Integration) {
    println!("Content API key: {}", integration.keys.content);
    println!("Admin API key:   {}", integration.keys.admin_key());
}
