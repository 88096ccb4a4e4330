//! The Redis Streams bridge against a real `redis-server` on a loopback port.
//!
//! Run with `cargo test -p hardwire-bridge --features nats,redis --release`.

#![cfg(feature = "redis")]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hardwire_bridge::{BridgeError, Inbound, Outbound, Packing, Stats, redis};
use hardwire_runtime::{Publisher, Shutdown, Subscriber};
use support::events::*;
use support::servers::{Certificates, Server};

#[test]
fn a_capped_stream_carries_a_lossy_topic_and_counts_every_gap() {
    let Some(server) = Server::redis(&[]) else { return };
    let rt = runtime();
    let (sent, received) = (Stats::new(), Stats::new());
    let local = Arc::new(Lossy::new());
    let remote = Arc::new(Lossy::new());
    // A short stream: a receiver slower than the sender finds entries trimmed.
    let settings = redis::StreamSettings { max_len: 16, batch: 4, ..redis::StreamSettings::new("lossy") };
    let outbound = Outbound::new(Subscriber::new(local.clone()).unwrap(), TOPOLOGY, Packing::default(), sent.clone());
    let stop = Arc::new(Shutdown::new());
    let url = server.url("redis");
    let receiver = {
        let (remote, received, stop, url, settings) =
            (remote.clone(), received.clone(), stop.clone(), url.clone(), settings.clone());
        rt.spawn(async move {
            let connection = redis::Connect::new(url).connect().await?;
            let inbound = Inbound::new::<Tick>(TOPOLOGY, received);
            redis::receive_capped(&connection, &settings, inbound, Publisher::new(remote).unwrap(), &stop).await
        })
    };
    let mut reader = Subscriber::new(remote.clone()).unwrap();
    std::thread::sleep(Duration::from_millis(300)); // the receiver reads from the end
    let sender = {
        let stop = stop.clone();
        rt.spawn(async move {
            let connection = redis::Connect::new(url).connect().await?;
            redis::send_capped(&connection, &settings, outbound, &stop).await
        })
    };
    const COUNT: u64 = 300_000;
    let mut publisher = Publisher::new(local).unwrap();
    for seq in 0..COUNT {
        publisher.publish(tick(seq));
        if seq % 1024 == 0 {
            std::thread::sleep(Duration::from_micros(300));
        }
    }
    drop(publisher);
    rt.block_on(sender).unwrap().unwrap();
    let (got, lagged) = read_lossy(&mut reader, &received, COUNT);
    stop.trigger();
    rt.block_on(receiver).unwrap().unwrap();
    let (sent, received) = (sent.snapshot(), received.snapshot());
    eprintln!("sent: {sent}\nreceived: {received}\nreader: {got} received, {lagged} lagged");
    assert_eq!(sent.events + sent.lagged, COUNT, "the sender accounts for every event");
    assert_eq!(received.events + received.lagged, COUNT, "the receiver accounts for every event");
    assert_eq!(got + lagged, received.events, "the local reader accounts for every delivered event");
    assert_eq!(received.rejected, 0);
}

/// One lossless transfer of `count` events through a consumer group; `during` runs while
/// events flow.
fn grouped_transfer(
    server: &mut Server,
    count: u64,
    settings: redis::StreamSettings,
    slow: bool,
    during: impl FnOnce(&mut Server),
) -> (u64, Stats, Stats) {
    let rt = runtime();
    let (sent, received) = (Stats::new(), Stats::new());
    let local = Arc::new(Lossless::new());
    let remote = Arc::new(Lossless::new());
    let outbound = Outbound::new(Subscriber::new(local.clone()).unwrap(), TOPOLOGY, Packing::default(), sent.clone());
    let reader = consume(&remote, count, slow);
    let stop = Arc::new(Shutdown::new());
    let url = server.url("redis");
    let receiver = {
        let (remote, received, stop, url, settings) =
            (remote.clone(), received.clone(), stop.clone(), url.clone(), settings.clone());
        rt.spawn(async move {
            let connection = redis::Connect::new(url).connect().await?;
            let inbound = Inbound::new::<Tick>(TOPOLOGY, received);
            redis::receive_grouped(&connection, &settings, inbound, Publisher::new(remote).unwrap(), &stop).await
        })
    };
    let sender = {
        let stop = stop.clone();
        rt.spawn(async move {
            let connection = redis::Connect::new(url).connect().await?;
            redis::send_grouped(&connection, &settings, outbound, &stop).await
        })
    };
    let producer = produce(local, count);
    during(server);
    let full = producer.join().unwrap();
    reader.join().unwrap();
    rt.block_on(sender).unwrap().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.snapshot().acknowledged < received.snapshot().messages && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.trigger();
    rt.block_on(receiver).unwrap().unwrap();
    (full, sent, received)
}

#[test]
fn a_consumer_group_delivers_every_event_once_and_in_order() {
    let Some(mut server) = Server::redis(&[]) else { return };
    const COUNT: u64 = 500_000;
    let (_, sent, received) =
        grouped_transfer(&mut server, COUNT, redis::StreamSettings::new("in_order"), false, |_| {});
    let (sent, received) = (sent.snapshot(), received.snapshot());
    eprintln!("sent: {sent}\nreceived: {received}");
    assert_eq!(sent.events, COUNT);
    assert_eq!(received.events, COUNT);
    assert_eq!((received.lagged, received.rejected), (0, 0));
    assert_eq!(received.acknowledged, received.messages, "every entry acknowledged");
}

#[test]
fn a_consumer_group_loses_nothing_across_a_server_restart() {
    let Some(mut server) = Server::redis(&[]) else { return };
    const COUNT: u64 = 2_000_000;
    let (_, sent, received) =
        grouped_transfer(&mut server, COUNT, redis::StreamSettings::new("restart"), false, |server| {
            std::thread::sleep(Duration::from_millis(150));
            server.stop();
            std::thread::sleep(Duration::from_millis(700));
            server.start();
        });
    let (sent, received) = (sent.snapshot(), received.snapshot());
    eprintln!("sent: {sent}\nreceived: {received}");
    assert_eq!(received.events, COUNT, "each event exactly once (the reader checked order)");
    assert!(sent.retries + received.retries > 0, "the restart was noticed mid-stream");
}

#[test]
fn a_slow_receiver_holds_the_remote_publisher_back() {
    let Some(mut server) = Server::redis(&[]) else { return };
    const COUNT: u64 = 200_000;
    let settings = redis::StreamSettings { max_len: 4, batch: 2, ..redis::StreamSettings::new("slow") };
    let (full, sent, received) = grouped_transfer(&mut server, COUNT, settings, true, |_| {});
    let (sent, received) = (sent.snapshot(), received.snapshot());
    eprintln!("sent: {sent}\nreceived: {received}\nthe publisher found its ring full {full} times");
    assert_eq!(received.events, COUNT);
    assert!(sent.retries > 0, "the sender waited for the group");
    assert!(full > 0, "the local publisher waited");
}

#[test]
fn wrong_credentials_fail_once_with_a_clear_error() {
    let Some(server) = Server::redis(&["--requirepass", "s3cret"]) else { return };
    let rt = runtime();
    let started = Instant::now();
    let wrong = redis::Connect { password: Some("wrong".into()), ..redis::Connect::new(server.url("redis")) };
    let error = rt.block_on(wrong.connect()).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, BridgeError::Connect(_)), "{error:?}");
    assert!(message.to_lowercase().contains("authentication failed"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(5), "failed at once, no retries");
    let right = redis::Connect { password: Some("s3cret".into()), ..redis::Connect::new(server.url("redis")) };
    rt.block_on(right.connect()).expect("the right password connects");
    assert!(!format!("{right:?}").contains("s3cret"), "Debug hides the password");
    // One refused AUTH, as the server's ACL log counts them.
    let connection = rt.block_on(right.connect()).unwrap();
    let log: Vec<std::collections::HashMap<String, redis::client::Value>> = rt.block_on(async {
        let mut connection = connection.clone();
        redis::client::cmd("ACL").arg("LOG").query_async(&mut connection).await.unwrap()
    });
    use redis::client::Value;
    let reason = |entry: &std::collections::HashMap<String, Value>| match entry.get("reason") {
        Some(Value::BulkString(reason)) => reason.clone(),
        Some(Value::SimpleString(reason)) => reason.clone().into_bytes(),
        _ => Vec::new(),
    };
    let rejected: i64 = log
        .iter()
        .filter(|entry| reason(entry) == b"auth")
        .map(|entry| if let Some(Value::Int(count)) = entry.get("count") { *count } else { 0 })
        .sum();
    assert_eq!(rejected, 1, "one attempt, no retry storm: {log:?}");
}

#[test]
fn tls_with_a_client_certificate_connects_and_nothing_less_does() {
    let Some(tls) = Certificates::new() else { return };
    let Some(server) = Server::redis_tls(&tls) else { return };
    let rt = runtime();
    let secure = redis::Connect {
        root_certificate: Some(tls.ca.clone()),
        client_certificate: Some((tls.client_cert.clone(), tls.client_key.clone())),
        ..redis::Connect::new(server.url("rediss"))
    };
    let connection = rt.block_on(secure.connect()).expect("CA and client certificate connect");
    let stored: Vec<u8> = rt.block_on(async {
        let mut connection = connection.clone();
        let _: String = redis::client::cmd("XADD")
            .arg("tls")
            .arg("*")
            .arg("f")
            .arg(b"frame".as_slice())
            .query_async(&mut connection)
            .await
            .unwrap();
        let redis::Entries(entries) =
            redis::client::cmd("XREAD").arg("STREAMS").arg("tls").arg("0").query_async(&mut connection).await.unwrap();
        entries.into_iter().next().expect("the entry").1
    });
    assert_eq!(stored, b"frame", "a stream entry went through the TLS connection");
    // No client certificate: the server refuses the handshake.
    let anonymous = redis::Connect { client_certificate: None, ..secure.clone() };
    let error = rt.block_on(anonymous.connect()).expect_err("a client certificate is required");
    assert!(matches!(error, BridgeError::Connect(_)), "{error:?}");
    // The server's certificate not trusted (no CA given): refused on this side.
    let untrusting = redis::Connect { root_certificate: None, ..secure.clone() };
    let error = rt.block_on(untrusting.connect()).expect_err("an unknown CA is refused");
    assert!(error.to_string().to_lowercase().contains("certificate"), "{error}");
    // Certificates with a plain url: a clear error before any connection.
    let plain = redis::Connect { url: server.url("redis"), ..secure };
    let error = rt.block_on(plain.connect()).expect_err("TLS files need rediss://");
    assert!(error.to_string().contains("write `rediss://`"), "{error}");
}
