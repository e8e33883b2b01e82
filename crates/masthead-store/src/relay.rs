//! Change notices between nodes that share one PostgreSQL database, so that every
//! node's caches follow every node's writes.
//!
//! Each node keeps one connection that `LISTEN`s on the schema's channel and holds a
//! session advisory lock naming the node (so the nodes alive right now are the lock
//! holders, with no heartbeat to miss). A write, once committed, is sent to the
//! others with `NOTIFY`; each applies it to its own change channel (which the page
//! cache and the site parts take in before their next lookup) and answers with an
//! acknowledgement. The write returns only when every live node has acknowledged it
//! (or a short wait has passed, for a node that is dying): so a change acknowledged
//! to a client on one node is on every other node's very next request.
//!
//! A node whose listening connection drops has missed notices it cannot name: when
//! it is back it tells its own caches that everything changed (`Change::Site`), and
//! the search index catches up.

use masthead_core::change::{Change, ChangeSender};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a write waits for the other nodes' acknowledgements.
const ACK_WAIT: Duration = Duration::from_secs(2);
/// How long to wait before listening again after the connection failed.
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);
/// PostgreSQL's limit on a notice's payload, less some room.
const MAX_PAYLOAD: usize = 7_500;

/// What travels on the channel.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Message {
    /// A committed change, numbered by the node that made it.
    Change { from: i32, seq: u64, change: Change },
    /// `from` has taken in change `seq` of node `to`.
    Ack { from: i32, to: i32, seq: u64 },
}

/// A write waiting for acknowledgements: the nodes still to answer, and who to tell
/// when none are left.
type Waiting = (HashSet<i32>, Option<tokio::sync::oneshot::Sender<()>>);

/// What the listening task and the writers share.
struct Shared {
    node: i32,
    channel: String,
    lock_class: i32,
    pool: PgPool,
    local: ChangeSender,
    seq: AtomicU64,
    /// Writes waiting for acknowledgements: by sequence number, the nodes still to
    /// answer, and who to tell when none are left.
    waiting: Mutex<HashMap<u64, Waiting>>,
    /// How many times the listening connection was made again after a loss.
    reconnects: AtomicU64,
}

/// This node's place in the cluster; the listening task stops when it is dropped.
pub struct Cluster {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A small stable hash, for names and lock keys derived from the schema.
fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

impl Cluster {
    /// Joins the nodes that share `pool`'s database schema, relaying to and from
    /// `local` (the store's own change channel). Returns once this node listens.
    pub async fn join(pool: PgPool, local: ChangeSender) -> masthead_core::Result<Self> {
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&pool)
            .await
            .map_err(|e| masthead_core::Error::internal("cluster: schema", e))?;
        let key = fnv(&schema);
        let node = {
            use rand::Rng;
            rand::thread_rng().gen_range(1..i32::MAX)
        };
        let shared = Arc::new(Shared {
            node,
            // Notices are per database, not per schema: the channel names the schema.
            channel: format!("masthead_{key:08x}"),
            lock_class: i32::try_from(key & 0x7fff_ffff).unwrap_or(1),
            pool,
            local,
            seq: AtomicU64::new(0),
            waiting: Mutex::new(HashMap::new()),
            reconnects: AtomicU64::new(0),
        });
        let listener = listen(&shared)
            .await
            .map_err(|e| masthead_core::Error::internal("cluster: cannot listen", e))?;
        let task = tokio::spawn(run(shared.clone(), listener));
        Ok(Self { shared, task })
    }

    /// The PostgreSQL channel the nodes on this schema talk on (`LISTEN` to it to
    /// watch them).
    pub fn channel(&self) -> &str {
        &self.shared.channel
    }

    /// How many times this node had to listen again after losing the connection.
    pub fn reconnects(&self) -> u64 {
        self.shared.reconnects.load(Ordering::Relaxed)
    }

    /// Sends a committed change to the other nodes and waits until each has taken it
    /// in (at most `ACK_WAIT`). Problems are logged: the write itself is done.
    pub async fn publish(&self, change: &Change) {
        let s = &self.shared;
        let peers: Vec<i64> = match sqlx::query_scalar(
            "SELECT objid::bigint FROM pg_locks \
             WHERE locktype = 'advisory' AND granted AND objsubid = 2 \
               AND classid = $1::bigint::oid AND objid <> $2::bigint::oid",
        )
        .bind(i64::from(s.lock_class))
        .bind(i64::from(s.node))
        .fetch_all(&s.pool)
        .await
        {
            Ok(peers) => peers,
            Err(e) => {
                tracing::warn!(error = %e, "cluster: cannot tell which nodes are alive");
                Vec::new()
            }
        };
        let seq = s.seq.fetch_add(1, Ordering::Relaxed);
        let mut payload = message(&Message::Change {
            from: s.node,
            seq,
            change: change.clone(),
        });
        if payload.len() > MAX_PAYLOAD {
            // Too long to tell: the others drop everything instead.
            payload = message(&Message::Change {
                from: s.node,
                seq,
                change: Change::Site,
            });
        }
        let done = if peers.is_empty() {
            None
        } else {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let waiting: HashSet<i32> = peers
                .iter()
                .filter_map(|p| i32::try_from(*p).ok())
                .collect();
            lock(&s.waiting).insert(seq, (waiting, Some(tx)));
            Some(rx)
        };
        if let Err(e) = notify(&s.pool, &s.channel, &payload).await {
            tracing::warn!(error = %e, "cluster: cannot tell the other nodes of a change");
            lock(&s.waiting).remove(&seq);
            return;
        }
        if let Some(rx) = done {
            if tokio::time::timeout(ACK_WAIT, rx).await.is_err() {
                let missing = lock(&s.waiting)
                    .remove(&seq)
                    .map(|(left, _)| left)
                    .unwrap_or_default();
                tracing::warn!(
                    ?missing,
                    "cluster: nodes did not acknowledge a change in time"
                );
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn message(m: &Message) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

async fn notify(pool: &PgPool, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(pool)
        .await
        .map(|_| ())
}

/// How the listening connections are named in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "masthead-node";

/// A listening connection (of its own, named `APPLICATION_NAME`) that also holds this
/// node's advisory lock.
async fn listen(s: &Shared) -> Result<PgListener, sqlx::Error> {
    let options = (*s.pool.connect_options())
        .clone()
        .application_name(APPLICATION_NAME);
    let own = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options);
    let mut listener = PgListener::connect_with(&own).await?;
    // Session-level: held while this connection lives, gone when it does.
    sqlx::query("SELECT pg_advisory_lock($1, $2)")
        .bind(s.lock_class)
        .bind(s.node)
        .execute(&mut listener)
        .await?;
    listener.listen(&s.channel).await?;
    Ok(listener)
}

/// Receives notices until the cluster is dropped, listening again after a loss.
async fn run(s: Arc<Shared>, mut listener: PgListener) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notice)) => receive(&s, notice.payload()).await,
            // The connection is gone: notices were missed.
            Ok(None) | Err(_) => {
                tracing::warn!("cluster: lost the listening connection; listening again");
                listener = loop {
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    match listen(&s).await {
                        Ok(l) => break l,
                        Err(e) => tracing::warn!(error = %e, "cluster: cannot listen yet"),
                    }
                };
                s.reconnects.fetch_add(1, Ordering::Relaxed);
                // Anything may have changed meanwhile.
                let _ = s.local.send(Change::Site);
            }
        }
    }
}

async fn receive(s: &Shared, payload: &str) {
    match serde_json::from_str::<Message>(payload) {
        Ok(Message::Change { from, seq, change }) if from != s.node => {
            // Taken in: the caches apply it before their next lookup.
            let _ = s.local.send(change);
            let ack = message(&Message::Ack {
                from: s.node,
                to: from,
                seq,
            });
            if let Err(e) = notify(&s.pool, &s.channel, &ack).await {
                tracing::warn!(error = %e, "cluster: cannot acknowledge a change");
            }
        }
        Ok(Message::Ack { from, to, seq }) if to == s.node => {
            let mut waiting = lock(&s.waiting);
            if let Some((left, done)) = waiting.get_mut(&seq) {
                left.remove(&from);
                if left.is_empty() {
                    if let Some(done) = done.take() {
                        let _ = done.send(());
                    }
                    waiting.remove(&seq);
                }
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cluster: a notice that is not ours"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let m = Message::Change {
            from: 7,
            seq: 3,
            change: Change::Readership,
        };
        let text = message(&m);
        assert!(matches!(
            serde_json::from_str::<Message>(&text),
            Ok(Message::Change {
                from: 7,
                seq: 3,
                change: Change::Readership
            })
        ));
    }

    #[test]
    fn names_depend_on_the_schema() {
        assert_ne!(fnv("t_1"), fnv("t_2"));
        assert_eq!(fnv("public"), fnv("public"));
    }
}
