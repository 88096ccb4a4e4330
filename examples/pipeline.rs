//! A small telemetry pipeline on hardwire's runtime rings, from `static`s with no heap:
//!
//! * `READINGS` (backpressure, lossless): a sensor thread publishes readings; an aggregator
//!   and an archiver each receive every one of them.
//! * `DASHBOARD` (overwrite, lossy): the sensor also publishes every reading here; a slow
//!   dashboard only wants the newest value and skips the rest with `latest()`.
//!
//! ```text
//! cargo run --release --example pipeline
//! ```
//!
//! This example uses the runtime's rings by hand; `market` and `robot` generate a whole bus
//! from a topology file.

use std::thread;
use std::time::{Duration, Instant};

use hardwire::{
    Backpressure, Overwrite, RecvError, Ring, Shutdown, SubscriberStats, TryRecvError, WaitStrategy, impl_payload,
};

/// One sensor reading: 24 bytes, a 32-byte slot (two per cache line).
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Reading {
    seq: u64,
    sensor: u32,
    _pad: u32,
    value: f64,
}
impl_payload!(Reading);

const SENSORS: u32 = 8;
const READINGS_TO_SEND: u64 = 5_000_000;

static READINGS: Ring<Reading, 4096, Backpressure, 4> = Ring::new();
static DASHBOARD: Ring<Reading, 64, Overwrite, 2> = Ring::new();
static STOP: Shutdown = Shutdown::new();

fn main() {
    let started = Instant::now();
    thread::scope(|scope| {
        // Subscribe before publishing starts, so the lossless consumers see everything.
        let mut aggregator = READINGS.subscribe().expect("a free subscriber record");
        let mut archiver = READINGS.subscribe().expect("a free subscriber record");
        let mut dashboard = DASHBOARD.subscribe().expect("a free subscriber record");

        let aggregator = scope.spawn(move || {
            let mut sums = [0.0f64; SENSORS as usize];
            let mut counts = [0u64; SENSORS as usize];
            loop {
                match aggregator.recv() {
                    Ok(reading) => {
                        sums[reading.sensor as usize] += reading.value;
                        counts[reading.sensor as usize] += 1;
                    }
                    Err(RecvError::Closed) => break,
                    Err(other) => panic!("aggregator: {other}"),
                }
            }
            let means: Vec<f64> = sums.iter().zip(&counts).map(|(s, &c)| s / c as f64).collect();
            (aggregator.stats(), means)
        });

        let archiver = scope.spawn(move || {
            // Batches: one position update per 256 readings.
            let mut buffer = [Reading { seq: 0, sensor: 0, _pad: 0, value: 0.0 }; 256];
            let mut expected = 0;
            loop {
                match archiver.try_recv_batch(&mut buffer) {
                    Ok(n) => {
                        for reading in &buffer[..n] {
                            assert_eq!(reading.seq, expected, "backpressure never loses or reorders");
                            expected += 1;
                        }
                    }
                    Err(TryRecvError::Empty) => thread::yield_now(),
                    Err(TryRecvError::Closed) => break,
                    Err(TryRecvError::Lagged { .. }) => unreachable!("backpressure rings never lag"),
                }
            }
            archiver.stats()
        });

        let dashboard = scope.spawn(move || {
            let mut frames = 0u64;
            let mut last = None;
            while !STOP.is_triggered() {
                if let Ok(reading) = dashboard.latest() {
                    last = Some(reading);
                }
                frames += 1;
                thread::sleep(Duration::from_millis(1)); // a 1 kHz display
            }
            (frames, last, dashboard.stats())
        });

        let mut readings = READINGS.publisher().expect("the publisher is taken once");
        readings.set_wait_strategy(WaitStrategy::backoff());
        let mut display = DASHBOARD.publisher().expect("the publisher is taken once");
        let mut peak_pressure = 0.0f64;
        for seq in 0..READINGS_TO_SEND {
            let sensor = (seq % u64::from(SENSORS)) as u32;
            let reading = Reading { seq, sensor, _pad: 0, value: f64::from(sensor) * 10.0 + (seq % 7) as f64 };
            readings.publish(reading); // waits when the slowest consumer is a lap behind
            display.publish(reading); // never waits
            if seq % 65_536 == 0 {
                peak_pressure = peak_pressure.max(READINGS.pressure().ratio());
            }
        }
        let publishing = started.elapsed();
        let (readings_stats, dashboard_stats) = (READINGS.stats(), DASHBOARD.stats());
        drop(readings); // closes READINGS: consumers drain, then see Closed
        drop(display);

        let (aggregated, means) = aggregator.join().unwrap();
        let archived = archiver.join().unwrap();
        let elapsed = started.elapsed();
        STOP.trigger();
        let (frames, last, shown) = dashboard.join().unwrap();

        let rate = READINGS_TO_SEND as f64 / publishing.as_secs_f64() / 1e6;
        println!(
            "hardwire pipeline: {READINGS_TO_SEND} readings from {SENSORS} sensors in {elapsed:.2?} ({rate:.1} M/s)"
        );
        println!("  READINGS   {readings_stats}  (at the end of publishing)");
        println!("  DASHBOARD  {dashboard_stats}");
        println!("  aggregator {}", line(aggregated));
        println!("  archiver   {}", line(archived));
        println!("  dashboard  {} over {frames} frames; last shown: {last:?}", line(shown));
        println!("  peak READINGS pressure while publishing: {:.0}%", peak_pressure * 100.0);
        println!("  mean value per sensor: {}", means.iter().map(|m| format!("{m:.1}")).collect::<Vec<_>>().join(" "));
        assert_eq!(aggregated.received, READINGS_TO_SEND);
        assert_eq!(archived.received, READINGS_TO_SEND);
        assert_eq!(shown.lagged, 0, "latest() skips on purpose; it never counts as lag");
    });
}

fn line(stats: SubscriberStats) -> String {
    stats.to_string()
}
