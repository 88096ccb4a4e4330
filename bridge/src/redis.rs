//! Redis Streams: lossy topics as streams capped with `MAXLEN ~`, lossless topics read
//! through a consumer group.
//!
//! Each frame is one stream entry with one field, `f`, holding the frame's bytes. Replies
//! are decoded by moving the entries' bytes out of the client's reply, never copying them
//! into an intermediate tree of our own.

use core::ops::Deref;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use hardwire_runtime::{AnyRing, Lossless, Overwrite, Publisher, Shutdown};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, ParsingError, Value};

use crate::{Backoff, BridgeError, Inbound, Outbound, Stats, Unacked};

/// The `redis` crate this module is built on (its connection type is in the API).
pub use ::redis as client;

/// How to reach a Redis server. The password and the TLS files come from the environment
/// ([`Connect::from_env`]) or are set here at run time, never from a topology file.
#[derive(Clone, Default)]
pub struct Connect {
    /// `redis://host:port/db`, or `rediss://..` for TLS.
    pub url: String,
    /// ACL user (Redis 6+); with only a password, the `default` user.
    pub user: Option<String>,
    /// The password (`AUTH`).
    pub password: Option<String>,
    /// TLS (`rediss://`): a PEM file of the CA that signed the server's certificate, if not
    /// one the system trusts.
    pub root_certificate: Option<PathBuf>,
    /// TLS (`rediss://`): this client's PEM certificate and key, for a server that
    /// requires client certificates (`tls-auth-clients yes`, Redis's default).
    pub client_certificate: Option<(PathBuf, PathBuf)>,
}

impl fmt::Debug for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password", &if self.password.is_some() { "<set>" } else { "<none>" })
            .field("root_certificate", &self.root_certificate)
            .field("client_certificate", &self.client_certificate.as_ref().map(|(cert, _)| cert))
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn engine(error: &redis::RedisError) -> BridgeError {
    BridgeError::Engine(error.to_string())
}

impl Connect {
    /// A server at `url`, without credentials.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), ..Self::default() }
    }

    /// `HARDWIRE_REDIS_URL` (else `default_url`), `HARDWIRE_REDIS_USER`,
    /// `HARDWIRE_REDIS_PASSWORD`, and for TLS `HARDWIRE_REDIS_CA`, `HARDWIRE_REDIS_CERT` +
    /// `HARDWIRE_REDIS_KEY` (PEM files).
    #[must_use]
    pub fn from_env(default_url: &str) -> Self {
        Self {
            url: env("HARDWIRE_REDIS_URL").unwrap_or_else(|| default_url.to_owned()),
            user: env("HARDWIRE_REDIS_USER"),
            password: env("HARDWIRE_REDIS_PASSWORD"),
            root_certificate: env("HARDWIRE_REDIS_CA").map(PathBuf::from),
            client_certificate: env("HARDWIRE_REDIS_CERT")
                .zip(env("HARDWIRE_REDIS_KEY"))
                .map(|(cert, key)| (PathBuf::from(cert), PathBuf::from(key))),
        }
    }

    /// The engine of topic `bridged` as the topology declares it (its `url`), with what
    /// the environment sets, as [`Connect::from_env`].
    ///
    /// # Errors
    ///
    /// [`BridgeError::Setup`] if the topic is declared for another engine.
    pub fn for_topic(bridged: &crate::Bridged) -> Result<Self, BridgeError> {
        crate::declared_for(bridged, crate::BridgeEngine::Redis)?;
        Ok(Self::from_env(bridged.url))
    }

    /// Connects once (wrong credentials fail here, without retries), then returns a
    /// connection that reconnects by itself when the server goes away.
    ///
    /// # Errors
    ///
    /// [`BridgeError::Connect`] with the server's reason (`WRONGPASS …`).
    pub async fn connect(&self) -> Result<ConnectionManager, BridgeError> {
        use redis::IntoConnectionInfo;
        let fail = |e| self.failed(e);
        let mut info = self.url.as_str().into_connection_info().map_err(fail)?;
        let mut settings = info.redis_settings().clone();
        if let Some(user) = &self.user {
            settings = settings.set_username(user);
        }
        if let Some(password) = &self.password {
            settings = settings.set_password(password);
        }
        info = info.set_redis_settings(settings);
        let client = self.client(info)?;
        // One plain attempt first: the manager below would retry a refused AUTH.
        let mut probe = client.get_multiplexed_async_connection().await.map_err(fail)?;
        let _: () = redis::cmd("PING").query_async(&mut probe).await.map_err(fail)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_max_delay(Duration::from_millis(500));
        ConnectionManager::new_with_config(client, config).await.map_err(fail)
    }

    fn failed(&self, e: redis::RedisError) -> BridgeError {
        BridgeError::Connect(format!("{}: {e}", self.url))
    }

    /// The client for `info`: with the TLS files, if any (they need a `rediss://` url).
    fn client(&self, info: redis::ConnectionInfo) -> Result<redis::Client, BridgeError> {
        let fail = |e| self.failed(e);
        if self.root_certificate.is_none() && self.client_certificate.is_none() {
            return redis::Client::open(info).map_err(fail);
        }
        if !self.url.starts_with("rediss://") {
            return Err(BridgeError::Connect(format!(
                "{}: TLS certificates are set, but the url is not a TLS one; write `rediss://`",
                self.url
            )));
        }
        let read = |path: &PathBuf| {
            std::fs::read(path)
                .map_err(|e| BridgeError::Connect(format!("{}: reading {}: {e}", self.url, path.display())))
        };
        let root_cert = self.root_certificate.as_ref().map(read).transpose()?;
        let client_tls = match &self.client_certificate {
            Some((cert, key)) => Some(redis::ClientTlsConfig { client_cert: read(cert)?, client_key: read(key)? }),
            None => None,
        };
        redis::Client::build_with_tls(info, redis::TlsCertificates { client_tls, root_cert }).map_err(fail)
    }
}

/// The field each entry carries its frame in.
const FIELD: &str = "f";

/// Replies in a row that a receiver cannot decode before it gives up: one can be a reply
/// cut short by a connection lost mid-way (the client reconnects); several mean the server
/// answers something else than stream entries.
const UNDECODABLE: u32 = 4;

/// A receiver's count of failed reads in a row that were undecodable replies.
#[derive(Default)]
struct Undecodable(u32);

impl Undecodable {
    fn reset(&mut self) {
        self.0 = 0;
    }

    /// After a failed read: the error to end the receiver with once [`UNDECODABLE`] replies
    /// in a row could not be decoded.
    fn after(&mut self, error: &redis::RedisError) -> Result<(), BridgeError> {
        self.0 = if error.kind() == redis::ErrorKind::Parse { self.0 + 1 } else { 0 };
        if self.0 == UNDECODABLE { Err(engine(error)) } else { Ok(()) }
    }
}

/// Stream entries as `(id, frame bytes)`, decoded from `XREAD`/`XREADGROUP` replies by
/// moving each frame's bytes out of the reply (RESP2 arrays or RESP3 maps). A timed-out
/// blocking read is empty.
#[derive(Debug, Default)]
pub struct Entries(pub Vec<(String, Vec<u8>)>);

fn parse_error(what: &str) -> ParsingError {
    ParsingError::from(format!("unexpected stream reply: {what}"))
}

fn bulk(value: Value) -> Result<Vec<u8>, ParsingError> {
    match value {
        Value::BulkString(bytes) => Ok(bytes),
        Value::SimpleString(text) => Ok(text.into_bytes()),
        _ => Err(parse_error("a non-string id or field")),
    }
}

fn pairs(value: Value) -> Result<Vec<(Value, Value)>, ParsingError> {
    match value {
        Value::Map(pairs) => Ok(pairs),
        Value::Array(items) => {
            let mut items = items.into_iter();
            let mut pairs = Vec::with_capacity(items.len() / 2);
            while let (Some(key), Some(value)) = (items.next(), items.next()) {
                pairs.push((key, value));
            }
            Ok(pairs)
        }
        _ => Err(parse_error("not a list of pairs")),
    }
}

impl FromRedisValue for Entries {
    fn from_redis_value(value: Value) -> Result<Self, ParsingError> {
        let mut entries = Vec::new();
        let streams = match value {
            Value::Nil => return Ok(Self(entries)),
            // RESP2: [[key, [entry, …]], …]; RESP3: {key: [entry, …], …}.
            Value::Array(streams) => streams
                .into_iter()
                .map(|stream| pairs(stream)?.pop().map(|(_, e)| e).ok_or_else(|| parse_error("a stream")))
                .collect::<Result<Vec<_>, _>>()?,
            Value::Map(streams) => streams.into_iter().map(|(_, entries)| entries).collect(),
            _ => return Err(parse_error("not a list of streams")),
        };
        for stream in streams {
            let Value::Array(items) = stream else { return Err(parse_error("a stream's entries")) };
            for item in items {
                let Value::Array(entry) = item else { return Err(parse_error("an entry")) };
                let mut entry = entry.into_iter();
                let id = String::from_utf8(bulk(entry.next().ok_or_else(|| parse_error("an entry without id"))?)?)?;
                // An entry trimmed while pending reads back with no fields (nil): no frame.
                let frame = match entry.next() {
                    Some(Value::Nil) | None => Vec::new(),
                    Some(fields) => pairs(fields)?
                        .into_iter()
                        .find(|(key, _)| matches!(key, Value::BulkString(k) if k == FIELD.as_bytes()))
                        .map(|(_, v)| bulk(v))
                        .transpose()?
                        .unwrap_or_default(),
                };
                entries.push((id, frame));
            }
        }
        Ok(Self(entries))
    }
}

/// How the stream of a topic is kept.
#[derive(Clone, Debug)]
pub struct StreamSettings {
    /// The stream's key.
    pub key: String,
    /// Lossy topics: the stream is trimmed to about this many entries (`MAXLEN ~`); a
    /// receiver that falls further behind counts what was trimmed as lagged. Lossless
    /// topics: most entries not yet acknowledged before the sending bridge waits (the
    /// remote side of backpressure). Default 4,096.
    pub max_len: u64,
    /// Lossless topics: the consumer group (default `hardwire`).
    pub group: String,
    /// Lossless topics: this receiver's name in the group; keep it across restarts, so that
    /// what it had not acknowledged is read again (default `receiver`).
    pub consumer: String,
    /// Entries read per round trip (default 64).
    pub batch: usize,
    /// How long one blocking read waits (default 100 ms; shutdown is noticed between reads).
    pub block: Duration,
}

impl StreamSettings {
    /// Stream `hardwire:<topic>` with the defaults above.
    #[must_use]
    pub fn new(topic: &str) -> Self {
        Self {
            key: format!("hardwire:{topic}"),
            max_len: 4096,
            group: "hardwire".into(),
            consumer: "receiver".into(),
            batch: 64,
            block: Duration::from_millis(100),
        }
    }

    /// The settings of topic `bridged` (`bus.topic().bridged()`): [`StreamSettings::new`]
    /// with its name.
    #[must_use]
    pub fn for_topic(bridged: &crate::Bridged) -> Self {
        Self::new(bridged.topic)
    }
}

/// Sends a lossy topic's events as entries of a stream capped with `MAXLEN ~`. Returns
/// when the ring is closed and drained, or on `shutdown`.
///
/// # Errors
///
/// [`BridgeError::Engine`] if `shutdown` interrupts a retried entry.
pub async fn send_capped<P>(
    connection: &ConnectionManager,
    settings: &StreamSettings,
    outbound: Outbound<P>,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing,
{
    send(connection, settings, outbound, shutdown, false).await
}

/// Sends a lossless topic's events as stream entries, read on the other side by a consumer
/// group. While more than `max_len` entries wait unacknowledged, it stops draining its
/// ring (the local publisher waits). An entry whose reply was lost is sent again; the
/// receiver drops the copy by sequence.
///
/// # Errors
///
/// [`BridgeError::Engine`] if `shutdown` interrupts a retried entry.
pub async fn send_grouped<P>(
    connection: &ConnectionManager,
    settings: &StreamSettings,
    outbound: Outbound<P>,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing,
{
    send(connection, settings, outbound, shutdown, true).await
}

async fn send<P>(
    connection: &ConnectionManager,
    settings: &StreamSettings,
    mut outbound: Outbound<P>,
    shutdown: &Shutdown,
    bounded: bool,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing,
{
    let mut connection = connection.clone();
    let mut backoff = Backoff::new();
    while outbound.next_frame(shutdown).await {
        loop {
            let mut pipe = redis::pipe();
            let add = pipe.cmd("XADD").arg(&settings.key);
            if !bounded {
                add.arg("MAXLEN").arg("~").arg(settings.max_len);
            }
            add.arg("*").arg(FIELD).arg(outbound.frame());
            pipe.cmd("XLEN").arg(&settings.key);
            match pipe.query_async::<(String, u64)>(&mut connection).await {
                Ok((_, mut len)) => {
                    // Lossless: wait while the receivers are `max_len` entries behind.
                    while bounded && len >= settings.max_len && !shutdown.is_triggered() {
                        backoff.wait(outbound.stats()).await;
                        len = redis::cmd("XLEN").arg(&settings.key).query_async(&mut connection).await.unwrap_or(len);
                    }
                    break;
                }
                Err(_) if !shutdown.is_triggered() => backoff.wait(outbound.stats()).await,
                Err(e) => return Err(BridgeError::Engine(format!("stopped before an entry was stored: {e}"))),
            }
        }
        backoff.reset();
        outbound.sent();
    }
    Ok(())
}

/// Receives a lossy topic from its capped stream into an `Overwrite` ring, from the
/// stream's end at the time of the call, until `shutdown`. Entries trimmed before they were
/// read show as gaps, counted as lagged.
///
/// # Errors
///
/// [`BridgeError::Engine`] if the stream's end cannot be read at the start, or several
/// replies in a row cannot be decoded as stream entries.
pub async fn receive_capped<P>(
    connection: &ConnectionManager,
    settings: &StreamSettings,
    mut inbound: Inbound,
    mut publisher: Publisher<P>,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing<Overflow = Overwrite>,
{
    let mut connection = connection.clone();
    // The stream's end now, as an id: reading from `$` again after each timed-out blocking
    // read would miss entries added between two reads.
    let end: Result<redis::streams::StreamRangeReply, _> = redis::cmd("XREVRANGE")
        .arg(&settings.key)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(&mut connection)
        .await;
    let mut last =
        end.map_err(|e| engine(&e))?.ids.into_iter().next().map_or_else(|| String::from("0-0"), |entry| entry.id);
    let (mut backoff, mut undecodable) = (Backoff::new(), Undecodable::default());
    let block = settings.block.as_millis() as u64;
    while !shutdown.is_triggered() {
        let read = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(settings.batch)
            .arg("BLOCK")
            .arg(block)
            .arg("STREAMS")
            .arg(&settings.key)
            .arg(&last)
            .query_async::<Entries>(&mut connection)
            .await;
        match read {
            Ok(Entries(entries)) => {
                backoff.reset();
                undecodable.reset();
                for (id, frame) in entries {
                    // One head update per frame: subscribers see the frame's events at once.
                    publisher.publish_iter(
                        inbound.accept::<<P::Target as AnyRing>::Payload>(&frame).map(|(_, _, event)| event),
                    );
                    last = id;
                }
            }
            Err(e) => {
                undecodable.after(&e)?;
                backoff.wait(&inbound.stats).await;
            }
        }
    }
    Ok(())
}

/// Receives a lossless topic through the consumer group `settings.group` (created at the
/// stream's start if missing) into a `Backpressure` ring, until `shutdown`. First it reads
/// again what this consumer had read and not acknowledged (before a crash, or in a reply
/// lost with its connection), then new entries. An entry is acknowledged and deleted
/// (`XACK`, `XDEL`) once every subscriber of the ring has taken its events.
///
/// # Errors
///
/// [`BridgeError::Setup`] if the group cannot be created; [`BridgeError::Engine`] if
/// several replies in a row cannot be decoded as stream entries.
pub async fn receive_grouped<P>(
    connection: &ConnectionManager,
    settings: &StreamSettings,
    mut inbound: Inbound,
    mut publisher: Publisher<P>,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing<Overflow: Lossless>,
{
    let mut connection = connection.clone();
    let created: Result<(), _> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&settings.key)
        .arg(&settings.group)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(&mut connection)
        .await;
    if let Err(e) = created
        && e.code() != Some("BUSYGROUP")
    {
        return Err(BridgeError::Setup(format!("group {} on {}: {e}", settings.group, settings.key)));
    }
    let stats = inbound.stats.clone();
    let mut unacked = Unacked::<String>::new();
    let mut taken = Vec::new();
    let (mut backoff, mut undecodable) = (Backoff::new(), Undecodable::default());
    // Where the next read starts: `Some(id)` reads this consumer's pending entries after
    // `id` (read before, perhaps in a reply lost with its connection or before a crash, and
    // never acknowledged); `None` reads new entries (">") once those are all read again.
    let mut pending = Some(String::from("0"));
    let block = settings.block.as_millis() as u64;
    while !shutdown.is_triggered() {
        // What a failed acknowledgement left in `taken` is acknowledged again with the rest.
        taken.extend(unacked.drain_taken(publisher.ring()));
        if !taken.is_empty() && acknowledge(&mut connection, settings, &taken, &stats).await {
            taken.clear();
        }
        let mut read = redis::cmd("XREADGROUP");
        read.arg("GROUP").arg(&settings.group).arg(&settings.consumer).arg("COUNT").arg(settings.batch);
        if pending.is_none() {
            // Blocks only for new entries; short while acknowledgements are due.
            read.arg("BLOCK").arg(if unacked.is_empty() { block } else { 1 });
        }
        let from = pending.as_deref().unwrap_or(">");
        match read.arg("STREAMS").arg(&settings.key).arg(from).query_async::<Entries>(&mut connection).await {
            Ok(Entries(entries)) => {
                backoff.reset();
                undecodable.reset();
                if entries.is_empty() {
                    pending = None;
                }
                for (id, frame) in entries {
                    if pending.is_none() && inbound.is_ahead::<<P::Target as AnyRing>::Payload>(&frame) {
                        // An earlier entry went out in a reply that never arrived: it waits
                        // in this consumer's pending list, and so do this one and the rest.
                        stats.retry();
                        pending = Some(String::from("0"));
                        break;
                    }
                    let events = inbound.accept::<<P::Target as AnyRing>::Payload>(&frame);
                    let end = crate::publish_lossless(&mut publisher, events).await;
                    if let Some(after) = &mut pending {
                        after.clone_from(&id);
                    }
                    unacked.push(end, id);
                }
            }
            Err(e) => {
                undecodable.after(&e)?;
                // The reply may have carried entries, now pending: read them again.
                pending = Some(String::from("0"));
                backoff.wait(&stats).await;
            }
        }
    }
    Ok(())
}

/// Whether the server acknowledged (and deleted) `ids`.
async fn acknowledge(
    connection: &mut ConnectionManager,
    settings: &StreamSettings,
    ids: &[String],
    stats: &Stats,
) -> bool {
    // Should the receiver stop before an acknowledgement lands, the entries are read again
    // after its restart and dropped by sequence.
    let done: Result<(u64, u64), _> = redis::pipe()
        .cmd("XACK")
        .arg(&settings.key)
        .arg(&settings.group)
        .arg(ids)
        .cmd("XDEL")
        .arg(&settings.key)
        .arg(ids)
        .query_async(connection)
        .await;
    if done.is_ok() {
        stats.acknowledged(ids.len() as u64);
    }
    done.is_ok()
}
