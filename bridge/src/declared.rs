//! Both ends of a topic declared `bridge = ".."`, in one call each: the engine and the way
//! to carry the topic follow from its declaration ([`Bridged`]) and its ring's mode; the
//! address and credentials from [`nats::Connect::for_topic`](crate::nats::Connect::for_topic)
//! / [`redis::Connect::for_topic`](crate::redis::Connect::for_topic) (the topology's url,
//! overridden by the environment); the rest from the engines' `StreamSettings::for_topic`
//! defaults. For other settings, call the engine modules' functions directly.

use core::ops::Deref;

#[cfg(any(feature = "nats", feature = "redis"))]
use hardwire_runtime::Overflow;
use hardwire_runtime::{AnyRing, Lossless, Overwrite, Publisher, Shutdown, Subscriber};

#[cfg(any(feature = "nats", feature = "redis"))]
use crate::{BridgeEngine, Inbound, Outbound, Packing};
use crate::{BridgeError, Bridged, Stats};

/// Sends topic `bridged` from its bridge reader (`bus.topic().bridge_reader()`): over a
/// core NATS subject or a capped Redis stream if its ring is lossy, over JetStream or a
/// Redis stream read by a consumer group if it is lossless. Returns when the ring is closed
/// and drained, or on `shutdown`.
///
/// ```no_run
/// # async fn demo(bridged: hardwire_bridge::Bridged, reader: hardwire_runtime::Subscriber<std::sync::Arc<hardwire_runtime::Ring<[u64; 3], 64, hardwire_runtime::Backpressure>>>) -> Result<(), hardwire_bridge::BridgeError> {
/// // bridged = BUS.quotes().bridged().unwrap(), reader = BUS.quotes().bridge_reader()?
/// let stats = hardwire_bridge::Stats::new();
/// hardwire_bridge::send(&bridged, reader, stats.clone(), &hardwire_runtime::Shutdown::new()).await?;
/// println!("{}", stats.snapshot());
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`BridgeError::Connect`] if the engine cannot be reached, [`BridgeError::Setup`] if this
/// build lacks the engine's feature, and the engine function's errors.
#[cfg_attr(not(any(feature = "nats", feature = "redis")), allow(unused_variables))]
pub async fn send<P>(
    bridged: &Bridged,
    reader: Subscriber<P>,
    stats: Stats,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing,
{
    #[cfg(any(feature = "nats", feature = "redis"))]
    let (outbound, lossless) = (
        Outbound::for_topic(reader, bridged, Packing::default(), stats),
        <<P::Target as AnyRing>::Overflow as Overflow>::LOSSLESS,
    );
    match bridged.engine {
        #[cfg(feature = "nats")]
        BridgeEngine::Nats => {
            use crate::nats;
            let client = nats::Connect::for_topic(bridged)?.connect().await?;
            let settings = nats::StreamSettings::for_topic(bridged);
            if lossless {
                nats::send_jetstream(&client, &settings, outbound, shutdown).await
            } else {
                nats::send_core(&client, &settings.subject, outbound, shutdown).await
            }
        }
        #[cfg(feature = "redis")]
        BridgeEngine::Redis => {
            use crate::redis;
            let connection = redis::Connect::for_topic(bridged)?.connect().await?;
            let settings = redis::StreamSettings::for_topic(bridged);
            if lossless {
                redis::send_grouped(&connection, &settings, outbound, shutdown).await
            } else {
                redis::send_capped(&connection, &settings, outbound, shutdown).await
            }
        }
        _ => Err(missing_feature(bridged)),
    }
}

/// Receives lossy topic `bridged` into its ring through `publisher`
/// (`bus.topic().bridge_publisher()`), from its core NATS subject or capped Redis stream,
/// until `shutdown`. Gaps are counted as `lagged` in `stats`.
///
/// # Errors
///
/// As [`send`].
#[cfg_attr(not(any(feature = "nats", feature = "redis")), allow(unused_variables))]
pub async fn receive_lossy<P>(
    bridged: &Bridged,
    publisher: Publisher<P>,
    stats: Stats,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing<Overflow = Overwrite>,
{
    #[cfg(any(feature = "nats", feature = "redis"))]
    let inbound = Inbound::for_topic::<<P::Target as AnyRing>::Payload>(bridged, stats);
    match bridged.engine {
        #[cfg(feature = "nats")]
        BridgeEngine::Nats => {
            use crate::nats;
            let client = nats::Connect::for_topic(bridged)?.connect().await?;
            nats::receive_core(&client, &nats::StreamSettings::for_topic(bridged).subject, inbound, publisher, shutdown)
                .await
        }
        #[cfg(feature = "redis")]
        BridgeEngine::Redis => {
            use crate::redis;
            let connection = redis::Connect::for_topic(bridged)?.connect().await?;
            redis::receive_capped(&connection, &redis::StreamSettings::for_topic(bridged), inbound, publisher, shutdown)
                .await
        }
        _ => Err(missing_feature(bridged)),
    }
}

/// Receives lossless topic `bridged` into its ring through `publisher`
/// (`bus.topic().bridge_publisher()`), from JetStream (durable consumer `receiver`) or a
/// Redis consumer group (consumer `receiver`), until `shutdown`. A restarted receiver with
/// the same `receiver` name gets what it had not acknowledged again.
///
/// # Errors
///
/// As [`send`].
#[cfg_attr(not(any(feature = "nats", feature = "redis")), allow(unused_variables))]
pub async fn receive_lossless<P>(
    bridged: &Bridged,
    receiver: &str,
    publisher: Publisher<P>,
    stats: Stats,
    shutdown: &Shutdown,
) -> Result<(), BridgeError>
where
    P: Deref,
    P::Target: AnyRing<Overflow: Lossless>,
{
    #[cfg(any(feature = "nats", feature = "redis"))]
    let inbound = Inbound::for_topic::<<P::Target as AnyRing>::Payload>(bridged, stats);
    match bridged.engine {
        #[cfg(feature = "nats")]
        BridgeEngine::Nats => {
            use crate::nats;
            let client = nats::Connect::for_topic(bridged)?.connect().await?;
            let settings = nats::StreamSettings::for_topic(bridged);
            nats::receive_jetstream(&client, &settings, receiver, inbound, publisher, shutdown).await
        }
        #[cfg(feature = "redis")]
        BridgeEngine::Redis => {
            use crate::redis;
            let connection = redis::Connect::for_topic(bridged)?.connect().await?;
            let settings =
                redis::StreamSettings { consumer: receiver.to_owned(), ..redis::StreamSettings::for_topic(bridged) };
            redis::receive_grouped(&connection, &settings, inbound, publisher, shutdown).await
        }
        _ => Err(missing_feature(bridged)),
    }
}

fn missing_feature(bridged: &Bridged) -> BridgeError {
    let feature = crate::engine_name(bridged.engine);
    BridgeError::Setup(format!(
        "topic `{}` is bridged through {feature}, and this build of hardwire-bridge lacks its feature: enable `{feature}`",
        bridged.topic
    ))
}
