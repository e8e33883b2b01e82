//! The process's memory as Linux reports it in `/proc/self/status`, for the benches.

use anyhow::Result;

/// A field of `/proc/self/status` (`VmRSS:`, `RssAnon:`, ...), as written there.
pub fn status_field(name: &str) -> Result<String> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    Ok(status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default())
}

/// What is resident now: in all, the process's own memory, and mapped file pages.
pub fn resident() -> Result<String> {
    Ok(format!(
        "{} in all: {} own memory, {} mapped file pages",
        status_field("VmRSS:")?,
        status_field("RssAnon:")?,
        status_field("RssFile:")?
    ))
}

/// Peak resident memory, and what is resident now split into the process's own
/// memory and mapped file pages (SQLite maps its database file; those pages are the
/// kernel's page cache, shared and reclaimable, but they count as resident).
pub fn peak_memory() -> Result<String> {
    Ok(format!(
        "{} (now: {} own memory, {} mapped file pages)",
        status_field("VmHWM:")?,
        status_field("RssAnon:")?,
        status_field("RssFile:")?
    ))
}
