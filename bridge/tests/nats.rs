//! The NATS bridge against a real `nats-server -js` on a loopback port.
//!
//! Run with `cargo test -p hardwire-bridge --features nats,redis --release`.

#![cfg(feature = "nats")]

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hardwire_bridge::{BridgeError, Inbound, Outbound, Packing, Stats, nats};
use hardwire_runtime::{Publisher, Shutdown, Subscriber, TryRecvError};
use support::servers::{Certificates, Server};

use support::events::*;

#[test]
fn core_subjects_carry_a_lossy_topic_and_count_every_gap() {
    let Some(server) = Server::nats(&[]) else { return };
    let rt = runtime();
    let (sent, received) = (Stats::new(), Stats::new());
    let local = Arc::new(Lossy::new());
    let remote = Arc::new(Lossy::new());
    let outbound = Outbound::new(Subscriber::new(local.clone()).unwrap(), TOPOLOGY, Packing::default(), sent.clone());
    let stop = Arc::new(Shutdown::new());
    let receiver = {
        let (remote, received, stop, url) = (remote.clone(), received.clone(), stop.clone(), server.url("nats"));
        rt.spawn(async move {
            let client = nats::Connect::new(url).connect().await?;
            let inbound = Inbound::new::<Tick>(TOPOLOGY, received);
            nats::receive_core(&client, "ticks", inbound, Publisher::new(remote).unwrap(), &stop).await
        })
    };
    let mut reader = Subscriber::new(remote.clone()).unwrap();
    // The receiver subscribes before anything is sent.
    std::thread::sleep(Duration::from_millis(300));
    let sender = {
        let url = server.url("nats");
        let stop = stop.clone();
        rt.spawn(async move {
            let client = nats::Connect::new(url).connect().await?;
            nats::send_core(&client, "ticks", outbound, &stop).await
        })
    };
    const COUNT: u64 = 300_000;
    let mut publisher = Publisher::new(local).unwrap();
    for seq in 0..COUNT {
        publisher.publish(tick(seq));
        if seq % 1024 == 0 {
            std::thread::sleep(Duration::from_micros(300)); // the sender keeps up, mostly
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
    assert!(sent.messages < COUNT / 10, "events are packed: {} messages", sent.messages);
    assert_eq!(received.rejected, 0);
}

/// Runs one lossless transfer of `count` events through JetStream; `during` runs on the test
/// thread while events flow (stopping the server, say).
fn jetstream_transfer(
    server: &mut Server,
    count: u64,
    settings: nats::StreamSettings,
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
    let receiver = {
        let (remote, received, stop, url, settings) =
            (remote.clone(), received.clone(), stop.clone(), server.url("nats"), settings.clone());
        rt.spawn(async move {
            let client = nats::Connect::new(url).connect().await?;
            let inbound = Inbound::new::<Tick>(TOPOLOGY, received);
            nats::receive_jetstream(&client, &settings, "receiver", inbound, Publisher::new(remote).unwrap(), &stop)
                .await
        })
    };
    let sender = {
        let (url, stop) = (server.url("nats"), stop.clone());
        rt.spawn(async move {
            let client = nats::Connect::new(url).connect().await?;
            nats::send_jetstream(&client, &settings, outbound, &stop).await
        })
    };
    let producer = produce(local, count);
    during(server);
    let full = producer.join().unwrap();
    reader.join().unwrap();
    rt.block_on(sender).unwrap().unwrap();
    // Let the last acknowledgements go out before the receiver stops.
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.snapshot().acknowledged < received.snapshot().messages && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.trigger();
    rt.block_on(receiver).unwrap().unwrap();
    (full, sent, received)
}

#[test]
fn jetstream_delivers_every_event_once_and_in_order() {
    let Some(mut server) = Server::nats(&[]) else { return };
    const COUNT: u64 = 500_000;
    let (_, sent, received) =
        jetstream_transfer(&mut server, COUNT, nats::StreamSettings::new("in_order"), false, |_| {});
    let (sent, received) = (sent.snapshot(), received.snapshot());
    eprintln!("sent: {sent}\nreceived: {received}");
    assert_eq!(sent.events, COUNT);
    assert_eq!(received.events, COUNT);
    assert_eq!((received.lagged, received.rejected), (0, 0));
    assert_eq!(received.acknowledged, received.messages, "every message acknowledged");
}

#[test]
fn jetstream_loses_nothing_across_a_server_restart() {
    let Some(mut server) = Server::nats(&[]) else { return };
    const COUNT: u64 = 2_000_000;
    let (_, sent, received) =
        jetstream_transfer(&mut server, COUNT, nats::StreamSettings::new("restart"), false, |server| {
            std::thread::sleep(Duration::from_millis(150));
            server.stop();
            std::thread::sleep(Duration::from_millis(700));
            server.start();
        });
    let (sent, received) = (sent.snapshot(), received.snapshot());
    eprintln!("sent: {sent}\nreceived: {received}");
    assert_eq!(received.events, COUNT, "each event exactly once (the reader checked order)");
    assert!(sent.retries > 0, "the restart was noticed mid-stream");
}

#[test]
fn a_slow_receiver_holds_the_remote_publisher_back() {
    let Some(mut server) = Server::nats(&[]) else { return };
    const COUNT: u64 = 200_000;
    let settings = nats::StreamSettings { max_messages: 4, max_ack_pending: 4, ..nats::StreamSettings::new("slow") };
    let (full, sent, received) = jetstream_transfer(&mut server, COUNT, settings, true, |_| {});
    let (sent, received) = (sent.snapshot(), received.snapshot());
    eprintln!("sent: {sent}\nreceived: {received}\nthe publisher found its ring full {full} times");
    assert_eq!(received.events, COUNT);
    assert!(sent.retries > 0, "the full stream refused frames");
    assert!(full > 0, "the local publisher waited");
}

#[test]
fn wrong_credentials_fail_once_with_a_clear_error() {
    let Some(server) = Server::nats(&["--user", "bridge", "--pass", "s3cret"]) else { return };
    let rt = runtime();
    let started = Instant::now();
    let wrong = nats::Connect {
        user_password: Some(("bridge".into(), "wrong".into())),
        ..nats::Connect::new(server.url("nats"))
    };
    let error = rt.block_on(wrong.connect()).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, BridgeError::Connect(_)), "{error:?}");
    assert!(message.to_lowercase().contains("authorization"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(5), "failed at once, no retries");
    std::thread::sleep(Duration::from_millis(300));
    let attempts = server.log().matches("authentication error").count();
    assert_eq!(attempts, 1, "one attempt, no retry storm:\n{}", server.log());
    let right = nats::Connect {
        user_password: Some(("bridge".into(), "s3cret".into())),
        ..nats::Connect::new(server.url("nats"))
    };
    rt.block_on(right.connect()).expect("the right password connects");
    assert!(!format!("{right:?}").contains("s3cret"), "Debug hides the password");
}

#[test]
fn foreign_messages_are_rejected_and_counted() {
    let Some(server) = Server::nats(&[]) else { return };
    let rt = runtime();
    let received = Stats::new();
    let remote = Arc::new(Lossy::new());
    let mut reader = Subscriber::new(remote.clone()).unwrap();
    let stop = Arc::new(Shutdown::new());
    let url = server.url("nats");
    let receiver = {
        let (received, stop, url) = (received.clone(), stop.clone(), url.clone());
        rt.spawn(async move {
            let client = nats::Connect::new(url).connect().await?;
            nats::receive_core(
                &client,
                "mixed",
                Inbound::new::<Tick>(TOPOLOGY, received),
                Publisher::new(remote).unwrap(),
                &stop,
            )
            .await
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    rt.block_on(async {
        let client = nats::Connect::new(url).connect().await.unwrap();
        let mut frame = Vec::new();
        let other = hardwire_runtime::frame::Expect::of::<Tick>(TOPOLOGY + 1);
        let mut writer = hardwire_runtime::frame::FrameWriter::<Tick>::begin(&mut frame, &other, 9, 0);
        writer.push(&tick(0));
        writer.finish();
        client.publish("mixed", frame.clone().into()).await.unwrap(); // another topology
        client.publish("mixed", b"not a frame".to_vec().into()).await.unwrap(); // too short
        client.publish("mixed", vec![0xff; 4096].into()).await.unwrap(); // no magic
        frame[8..16].copy_from_slice(&TOPOLOGY.to_le_bytes());
        frame.truncate(frame.len() - 1);
        client.publish("mixed", frame.into()).await.unwrap(); // a cut body
        client.flush().await.unwrap();
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.snapshot().rejected < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.trigger();
    rt.block_on(receiver).unwrap().unwrap();
    assert_eq!(received.snapshot().rejected, 4);
    assert_eq!(received.snapshot().events, 0);
    assert!(matches!(reader.try_recv(), Err(TryRecvError::Empty | TryRecvError::Closed)));
}

/// A killed receiver's unacknowledged messages are delivered again after `ack_wait`.
fn killed_settings() -> nats::StreamSettings {
    nats::StreamSettings { ack_wait: Duration::from_secs(1), ..nats::StreamSettings::new("killed") }
}

/// The receiving process of `a_killed_receiver_resumes_without_loss_or_duplicates`: records
/// every event it handles (in place, so an event is recorded before the ring counts it as
/// taken) in a file, and resumes from that file when restarted.
fn receiver_process(url: &str, log: &str) {
    let mut resume: HashMap<u64, u64> = HashMap::new();
    if let Ok(text) = std::fs::read_to_string(log) {
        for line in text.lines() {
            let mut words = line.split(' ').map(|w| w.parse::<u64>().unwrap());
            let (publisher, seq) = (words.next().unwrap(), words.next().unwrap());
            let next = resume.entry(publisher).or_default();
            *next = (*next).max(seq + 1);
        }
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let rt = runtime();
    let remote = Arc::new(Lossless::new());
    let mut reader = Subscriber::new(remote.clone()).unwrap();
    let stop = Arc::new(Shutdown::new());
    let mut inbound = Inbound::new::<Tick>(TOPOLOGY, Stats::new());
    for (&publisher, &next) in &resume {
        inbound.resume(publisher, next);
    }
    let url = url.to_owned();
    rt.spawn(async move {
        let client = nats::Connect::new(url).connect().await.unwrap();
        let settings = killed_settings();
        nats::receive_jetstream(&client, &settings, "receiver", inbound, Publisher::new(remote).unwrap(), &stop)
            .await
            .unwrap();
    });
    // The frame's publisher id is not in the event; the test has one sender, whose id the
    // parent passes.
    let publisher: u64 = std::env::var("HARDWIRE_TEST_PUBLISHER").unwrap().parse().unwrap();
    let parent = std::os::unix::process::parent_id();
    loop {
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(1); // the test is gone
        }
        match reader.try_recv_with(|event| {
            let seq = check(event);
            file.write_all(format!("{publisher} {seq}\n").as_bytes()).unwrap();
        }) {
            Ok(()) => {}
            Err(_) => std::thread::sleep(Duration::from_micros(200)),
        }
    }
}

#[test]
fn a_killed_receiver_resumes_without_loss_or_duplicates() {
    if let (Ok(url), Ok(log)) = (std::env::var("HARDWIRE_TEST_NATS"), std::env::var("HARDWIRE_TEST_LOG")) {
        receiver_process(&url, &log);
        return;
    }
    let Some(server) = Server::nats(&[]) else { return };
    let log = server.dir.join("handled.log");
    const COUNT: u64 = 300_000;
    let rt = runtime();
    let sent = Stats::new();
    let local = Arc::new(Lossless::new());
    let outbound = Outbound::new(Subscriber::new(local.clone()).unwrap(), TOPOLOGY, Packing::default(), sent.clone());
    let publisher_id = outbound.publisher_id();
    let spawn = || {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "a_killed_receiver_resumes_without_loss_or_duplicates", "--nocapture"])
            .env("HARDWIRE_TEST_NATS", server.url("nats"))
            .env("HARDWIRE_TEST_LOG", &log)
            .env("HARDWIRE_TEST_PUBLISHER", publisher_id.to_string())
            .spawn()
            .unwrap()
    };
    let stop = Shutdown::new();
    let url = server.url("nats");
    let sender = rt.spawn(async move {
        let client = nats::Connect::new(url).connect().await?;
        nats::send_jetstream(&client, &killed_settings(), outbound, &stop).await
    });
    let producer = produce(local, COUNT);
    let handled = || std::fs::read_to_string(&log).map(|text| text.lines().count() as u64).unwrap_or(0);
    let mut child = spawn();
    for kill in 0..3 {
        // Kill it mid-stream, at a different point each time.
        let target = COUNT / 4 * (kill + 1);
        let deadline = Instant::now() + Duration::from_secs(60);
        while handled() < target {
            assert!(Instant::now() < deadline, "stuck at {} handled", handled());
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        child = spawn();
    }
    producer.join().unwrap();
    rt.block_on(sender).unwrap().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while handled() < COUNT && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300)); // would a duplicate still arrive?
    child.kill().unwrap();
    child.wait().unwrap();
    let mut seen = vec![0u8; COUNT as usize];
    let mut last = None;
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        let seq: usize = line.split(' ').nth(1).unwrap().parse().unwrap();
        assert!(last.is_none_or(|last| seq > last), "{seq} handled after {last:?}");
        last = Some(seq);
        seen[seq] += 1;
    }
    let missing = seen.iter().filter(|&&n| n == 0).count();
    let doubled = seen.iter().filter(|&&n| n > 1).count();
    assert_eq!((missing, doubled), (0, 0), "every event handled exactly once across three SIGKILLs");
}

#[test]
fn tls_with_a_client_certificate_connects_and_nothing_less_does() {
    let Some(tls) = Certificates::new() else { return };
    let Some(server) = Server::nats_tls(&tls) else { return };
    let rt = runtime();
    let secure = nats::Connect {
        root_certificate: Some(tls.ca.clone()),
        client_certificate: Some((tls.client_cert.clone(), tls.client_key.clone())),
        ..nats::Connect::new(server.url("tls"))
    };
    let client = rt.block_on(secure.connect()).expect("CA and client certificate connect");
    let echoed = rt.block_on(async {
        use futures_util::StreamExt;
        let mut subscription = client.subscribe("tls.check").await.unwrap();
        client.publish("tls.check", "frame".into()).await.unwrap();
        subscription.next().await.expect("the message").payload
    });
    assert_eq!(&echoed[..], b"frame", "a message went through the TLS connection");
    // No client certificate: the server refuses.
    let anonymous = nats::Connect { client_certificate: None, ..secure.clone() };
    let error = rt.block_on(anonymous.connect()).expect_err("a client certificate is required");
    assert!(matches!(error, BridgeError::Connect(_)), "{error:?}");
    // The server's certificate not trusted (no CA given): refused on this side.
    let untrusting = nats::Connect { root_certificate: None, ..secure };
    let error = rt.block_on(untrusting.connect()).expect_err("an unknown CA is refused");
    assert!(matches!(error, BridgeError::Connect(_)), "{error:?}");
}
