//! NATS: lossy topics over core subjects, lossless topics over JetStream.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use hardwire_bridge::{Inbound, Outbound, Packing, Stats, nats};
//! use hardwire_runtime::{Backpressure, Ring, Shutdown, Subscriber};
//!
//! const TOPOLOGY: u64 = 0x7090; // the generated bus's `Bus::TOPOLOGY_HASH`
//! let ring = Arc::new(Ring::<[u64; 3], 1024, Backpressure>::new());
//! let outbound = Outbound::new(Subscriber::new(ring.clone())?, TOPOLOGY, Packing::default(), Stats::new());
//!
//! let client = nats::Connect::from_env("nats://127.0.0.1:4222").connect().await?;
//! let stream = nats::StreamSettings::new("orders");
//! let shutdown = Shutdown::new();
//! nats::send_jetstream(&client, &stream, outbound, &shutdown).await?;
//! # Ok(()) }
//! ```

use core::ops::Deref;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures_util::StreamExt;
use hardwire_runtime::{AnyRing, Lossless, Overwrite, Publisher, Shutdown};

use crate::{Backoff, BridgeError, Inbound, Outbound, Unacked};

/// The `async-nats` crate this module is built on (its client type is in the API).
pub use async_nats as client;

/// How to reach a NATS server. Credentials and TLS files come from the environment
/// ([`Connect::from_env`]) or are set here at run time, never from a topology file.
#[derive(Clone, Default)]
pub struct Connect {
    /// `nats://host:port` (several, comma-separated, for a cluster).
    pub url: String,
    /// User and password.
    pub user_password: Option<(String, String)>,
    /// An authentication token.
    pub token: Option<String>,
    /// An NKey seed.
    pub nkey_seed: Option<String>,
    /// A `.creds` file (JWT and NKey seed).
    pub credentials_file: Option<PathBuf>,
    /// A CA certificate to verify the server with (turns TLS on).
    pub root_certificate: Option<PathBuf>,
    /// A client certificate and its key, for servers that verify clients.
    pub client_certificate: Option<(PathBuf, PathBuf)>,
    /// The connection's name, as the server's monitoring shows it.
    pub name: Option<String>,
}

impl fmt::Debug for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |present: bool| if present { "<set>" } else { "<none>" };
        f.debug_struct("Connect")
            .field("url", &self.url)
            .field("user", &self.user_password.as_ref().map(|(user, _)| user))
            .field("password", &set(self.user_password.is_some()))
            .field("token", &set(self.token.is_some()))
            .field("nkey_seed", &set(self.nkey_seed.is_some()))
            .field("credentials_file", &self.credentials_file)
            .field("root_certificate", &self.root_certificate)
            .field("client_certificate", &self.client_certificate)
            .field("name", &self.name)
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

impl Connect {
    /// A server at `url`, without credentials.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), ..Self::default() }
    }

    /// `HARDWIRE_NATS_URL` (else `default_url`), `HARDWIRE_NATS_USER` +
    /// `HARDWIRE_NATS_PASSWORD`, `HARDWIRE_NATS_TOKEN`, `HARDWIRE_NATS_NKEY` (a seed),
    /// `HARDWIRE_NATS_CREDS` (a file), `HARDWIRE_NATS_CA`, `HARDWIRE_NATS_CERT` +
    /// `HARDWIRE_NATS_KEY`.
    #[must_use]
    pub fn from_env(default_url: &str) -> Self {
        Self {
            url: env("HARDWIRE_NATS_URL").unwrap_or_else(|| default_url.to_owned()),
            user_password: env("HARDWIRE_NATS_USER")
                .map(|user| (user, env("HARDWIRE_NATS_PASSWORD").unwrap_or_default())),
            token: env("HARDWIRE_NATS_TOKEN"),
            nkey_seed: env("HARDWIRE_NATS_NKEY"),
            credentials_file: env("HARDWIRE_NATS_CREDS").map(PathBuf::from),
            root_certificate: env("HARDWIRE_NATS_CA").map(PathBuf::from),
            client_certificate: env("HARDWIRE_NATS_CERT")
                .zip(env("HARDWIRE_NATS_KEY"))
                .map(|(c, k)| (c.into(), k.into())),
            name: None,
        }
    }

    /// The engine of topic `bridged` as the topology declares it (its `url`), with what
    /// the environment sets, as [`Connect::from_env`].
    ///
    /// # Errors
    ///
    /// [`BridgeError::Setup`] if the topic is declared for another engine.
    pub fn for_topic(bridged: &crate::Bridged) -> Result<Self, BridgeError> {
        crate::declared_for(bridged, crate::BridgeEngine::Nats)?;
        Ok(Self::from_env(bridged.url))
    }

    /// Connects. A refused connection or wrong credentials fail here, once (the client
    /// reconnects on its own only after a first successful connection).
    ///
    /// # Errors
    ///
    /// [`BridgeError::Connect`] with the client's reason (`authorization violation`, …).
    pub async fn connect(&self) -> Result<async_nats::Client, BridgeError> {
        let mut options = async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(5));
        if let Some((user, password)) = &self.user_password {
            options = options.user_and_password(user.clone(), password.clone());
        }
        if let Some(token) = &self.token {
            options = options.token(token.clone());
        }
        if let Some(seed) = &self.nkey_seed {
            options = options.nkey(seed.clone());
        }
        if let Some(path) = &self.credentials_file {
            options = options
                .credentials_file(path)
                .await
                .map_err(|e| BridgeError::Connect(format!("{}: {e}", path.display())))?;
        }
        if let Some(path) = &self.root_certificate {
            options = options.add_root_certificates(path.clone()).require_tls(true);
        }
        if let Some((cert, key)) = &self.client_certificate {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        if let Some(name) = &self.name {
            options = options.name(name);
        }
        options.connect(self.url.as_str()).await.map_err(|e| BridgeError::Connect(format!("{}: {e}", self.url)))
    }
}

/// Sends a lossy topic's events to the core subject `subject`: at most once, no
/// acknowledgement. Receivers count missing sequences (lapped here, dropped by a slow
/// receiver's client or by a disconnection) as `lagged`. Returns when the ring is closed and
/// drained, or on `shutdown`.
///
/// # Errors
///
/// [`BridgeError::Engine`] if the client is closed for good.
pub async fn send_core<P>(
    client: &async_nats::Client,
    subject: &str,
    mut outbound: Outbound<P>,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing,
{
    let subject = async_nats::Subject::from(subject);
    while outbound.next_frame(shutdown).await {
        let payload = Bytes::copy_from_slice(outbound.frame());
        client.publish(subject.clone(), payload).await.map_err(|e| BridgeError::Engine(e.to_string()))?;
        outbound.sent();
    }
    client.flush().await.map_err(|e| BridgeError::Engine(e.to_string()))
}

/// Receives a lossy topic from the core subject `subject` into an `Overwrite` ring, until
/// `shutdown`. Gaps in a sender's sequences are counted as `lagged` in `inbound`'s stats.
///
/// # Errors
///
/// [`BridgeError::Engine`] if subscribing fails or the client is closed for good.
pub async fn receive_core<P>(
    client: &async_nats::Client,
    subject: &str,
    mut inbound: Inbound,
    mut publisher: Publisher<P>,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing<Overflow = Overwrite>,
{
    let mut messages = client.subscribe(subject.to_owned()).await.map_err(|e| BridgeError::Engine(e.to_string()))?;
    client.flush().await.map_err(|e| BridgeError::Engine(e.to_string()))?;
    while !shutdown.is_triggered() {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else { return Err(BridgeError::Engine("the subscription ended".into())) };
                // One head update per frame: subscribers see the frame's events at once.
                publisher.publish_iter(inbound.accept::<<P::Target as AnyRing>::Payload>(&message.payload).map(|(_, _, event)| event));
            }
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    Ok(())
}

/// The JetStream stream of a lossless topic.
#[derive(Clone, Debug)]
pub struct StreamSettings {
    /// The stream's name (no `.`, `*`, `>` or spaces).
    pub stream: String,
    /// The subject its messages are published on.
    pub subject: String,
    /// Most messages (frames) the stream holds before publishes are refused and the sending
    /// bridge waits: the remote side of backpressure. Default 4,096.
    pub max_messages: i64,
    /// Kept in files (survives a server restart; the default) or in memory.
    pub storage: stream::StorageType,
    /// How long the server remembers message ids to drop a re-sent frame. Default 2 min.
    pub duplicate_window: Duration,
    /// Most messages delivered to the receiving bridge and not yet acknowledged. Default 256.
    pub max_ack_pending: i64,
    /// How long the server waits for an acknowledgement before it delivers again. Default
    /// 30 s.
    pub ack_wait: Duration,
}

impl StreamSettings {
    /// Stream `HARDWIRE_<TOPIC>` on subject `hardwire.<topic>`, with the defaults above.
    #[must_use]
    pub fn new(topic: &str) -> Self {
        let safe: String =
            topic.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
        Self {
            stream: format!("HARDWIRE_{}", safe.to_ascii_uppercase()),
            subject: format!("hardwire.{safe}"),
            max_messages: 4096,
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            max_ack_pending: 256,
            ack_wait: Duration::from_secs(30),
        }
    }

    /// The settings of topic `bridged` (`bus.topic().bridged()`): [`StreamSettings::new`]
    /// with its name.
    #[must_use]
    pub fn for_topic(bridged: &crate::Bridged) -> Self {
        Self::new(bridged.topic)
    }

    /// Creates the stream if it does not exist (a work queue: each message is removed once
    /// the receiving bridge acknowledges it; new messages are refused while it is full).
    ///
    /// # Errors
    ///
    /// [`BridgeError::Setup`] with the server's reason.
    pub async fn ensure(&self, js: &jetstream::Context) -> Result<stream::Stream, BridgeError> {
        js.get_or_create_stream(stream::Config {
            name: self.stream.clone(),
            subjects: vec![self.subject.clone()],
            retention: stream::RetentionPolicy::WorkQueue,
            discard: stream::DiscardPolicy::New,
            max_messages: self.max_messages,
            storage: self.storage,
            duplicate_window: self.duplicate_window,
            ..Default::default()
        })
        .await
        .map_err(|e| BridgeError::Setup(format!("stream {}: {e}", self.stream)))
    }
}

/// Sends a lossless topic's events to a JetStream stream, one frame per message with the
/// message id `<publisher>-<first sequence>` (a frame re-sent after a lost acknowledgement
/// is dropped by the server within its duplicate window, and by the receiver's sequences
/// after it). Each frame is retried (the same shared bytes) until the server stores it:
/// while the server is away or the stream is full, this half stops draining its ring and
/// the local publisher waits. Returns when the ring is closed and every frame stored, or on
/// `shutdown`.
///
/// # Errors
///
/// [`BridgeError::Setup`] if the stream cannot be created; [`BridgeError::Engine`] if
/// `shutdown` interrupts a frame that is not yet stored.
pub async fn send_jetstream<P>(
    client: &async_nats::Client,
    settings: &StreamSettings,
    mut outbound: Outbound<P>,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing,
{
    let js = jetstream::new(client.clone());
    settings.ensure(&js).await?;
    let subject = async_nats::Subject::from(settings.subject.as_str());
    let mut backoff = Backoff::new();
    while outbound.next_frame(shutdown).await {
        let payload = Bytes::copy_from_slice(outbound.frame());
        let (first, _) = outbound.frame_range();
        let id = format!("{:016x}-{first}", outbound.publisher_id());
        loop {
            let message = jetstream::message::PublishMessage::build().payload(payload.clone()).message_id(&id);
            let stored = match js.send_publish(subject.clone(), message).await {
                Ok(ack) => ack.await.map(drop).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match stored {
                Ok(()) => break,
                Err(_) if !shutdown.is_triggered() => backoff.wait(outbound.stats()).await,
                Err(why) => return Err(BridgeError::Engine(format!("stopped before a frame was stored: {why}"))),
            }
        }
        backoff.reset();
        outbound.sent();
    }
    Ok(())
}

/// Receives a lossless topic from its JetStream stream through the durable pull consumer
/// `durable` into a `Backpressure` ring, until `shutdown`. A message is acknowledged once
/// every subscriber of the ring has taken its events; while the ring is full no more are
/// taken from the server. After a restart the server delivers again what was not
/// acknowledged; `inbound` drops what it was told was delivered ([`Inbound::resume`]).
///
/// # Errors
///
/// [`BridgeError::Setup`] if the stream or consumer cannot be created.
pub async fn receive_jetstream<P>(
    client: &async_nats::Client,
    settings: &StreamSettings,
    durable: &str,
    mut inbound: Inbound,
    mut publisher: Publisher<P>,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing<Overflow: Lossless>,
{
    let js = jetstream::new(client.clone());
    let stream = settings.ensure(&js).await?;
    let consumer: consumer::PullConsumer = stream
        .get_or_create_consumer(
            durable,
            consumer::pull::Config {
                durable_name: Some(durable.to_owned()),
                ack_policy: consumer::AckPolicy::Explicit,
                max_ack_pending: settings.max_ack_pending,
                ack_wait: settings.ack_wait,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| BridgeError::Setup(format!("consumer {durable}: {e}")))?;
    let mut unacked = Unacked::new();
    let mut backoff = Backoff::new();
    let stats = inbound.stats.clone();
    'connect: while !shutdown.is_triggered() {
        let mut messages = match consumer.messages().await {
            Ok(messages) => messages,
            Err(_) => {
                backoff.wait(&stats).await;
                continue;
            }
        };
        while !shutdown.is_triggered() {
            for message in unacked.drain_taken(publisher.ring()) {
                acknowledge(&message, &stats).await;
            }
            let tick = if unacked.is_empty() { Duration::from_millis(50) } else { Duration::from_micros(200) };
            tokio::select! {
                message = messages.next() => match message {
                    Some(Ok(message)) => {
                        backoff.reset();
                        if inbound.is_ahead::<<P::Target as AnyRing>::Payload>(&message.payload) {
                            // An earlier frame is being delivered again: take this one later.
                            stats.retry();
                            let _ = message.ack_with(jetstream::AckKind::Nak(Some(Duration::from_millis(100)))).await;
                            continue;
                        }
                        let events = inbound.accept::<<P::Target as AnyRing>::Payload>(&message.payload);
                        let end = crate::publish_lossless(&mut publisher, events).await;
                        unacked.push(end, message);
                    }
                    // Missed heartbeats, a server restarting: the stream recovers by itself.
                    Some(Err(_)) => backoff.wait(&stats).await,
                    None => {
                        backoff.wait(&stats).await;
                        continue 'connect;
                    }
                },
                () = tokio::time::sleep(tick) => {}
            }
        }
    }
    Ok(())
}

async fn acknowledge(message: &jetstream::Message, stats: &crate::Stats) {
    // A lost acknowledgement means one more delivery, which the receiver drops by sequence.
    if message.ack().await.is_ok() {
        stats.acknowledged(1);
    }
}
