//! A telemetry pipeline under backpressure, generated from `schema-examples/telemetry.toml`.
//!
//! Three sensor threads publish to `samples` (lossless, several producers). The archiver
//! flushes to "disk" now and then and holds every producer back while it does. Instead of
//! blocking, the sensors read the ring's throttle signals: at 80 % full
//! (`is_under_pressure`) they note it, at 90 % (`should_throttle`) they shed low-priority
//! samples at the source. Everything that *is* published reaches both subscribers, exactly
//! once. The aggregator is a stage: it raises alerts on a lossy topic read by a pager.
//!
//! ```text
//! cargo run --release --example telemetry
//! ```

use std::thread;
use std::time::{Duration, Instant};

use hardwire::{Shutdown, WaitStrategy};

#[hardwire::bus(topology = "schema-examples/telemetry.toml")]
pub mod telemetry {}

use telemetry::{Alert, Sample};

const SENSORS: u32 = 3;
const READINGS_PER_SENSOR: u64 = 400_000;
const LIMIT: f64 = 99.0;

/// What one sensor thread did.
#[derive(Debug, Default)]
struct SensorReport {
    published: u64,
    shed: u64,
    under_pressure: u64,
    peak: f64,
}

/// Keeps per-sensor running means and raises an alert when a reading crosses the limit.
#[derive(Default)]
struct Aggregator {
    sums: [f64; SENSORS as usize],
    counts: [u64; SENSORS as usize],
    alerts: u64,
}

impl telemetry::Aggregator for Aggregator {
    fn on_sample(&mut self, sample: &Sample, out: &mut telemetry::aggregator::Outputs<'_>) {
        let sensor = sample.sensor as usize;
        self.sums[sensor] += sample.value;
        self.counts[sensor] += 1;
        if sample.value > LIMIT {
            self.alerts += 1;
            out.alerts.publish(Alert { ts: sample.ts, value: sample.value, sensor: sample.sensor, level: 1 });
        }
    }
}

/// Writes samples in batches; each flush takes a while, which is what holds producers back.
#[derive(Default)]
struct Archiver {
    written: u64,
    flushes: u64,
    per_sensor: [u64; SENSORS as usize],
}

impl telemetry::Archiver for Archiver {
    fn on_sample(&mut self, sample: &Sample) {
        self.written += 1;
        self.per_sensor[sample.sensor as usize] += 1;
        if self.written % 50_000 == 0 {
            self.flushes += 1;
            thread::sleep(Duration::from_millis(5)); // a slow disk
        }
    }
}

#[derive(Default)]
struct Pager {
    pages: u64,
    missed: u64,
}

impl telemetry::Pager for Pager {
    fn on_alert(&mut self, _: &Alert) {
        self.pages += 1;
    }

    fn on_lagged(&mut self, _: telemetry::Topic, missed: u64) {
        self.missed += missed;
    }
}

fn main() {
    let bus = telemetry::Bus::new_boxed();
    let stop = Shutdown::new();
    let started = Instant::now();
    thread::scope(|scope| {
        let bus = &*bus;
        let stop = &stop;
        let mut aggregator = bus.aggregator().expect("taken once");
        let mut archiver = bus.archiver().expect("taken once");
        let mut pager = bus.pager().expect("taken once");

        let aggregator = scope.spawn(move || {
            let mut handler = Aggregator::default();
            aggregator.run(&mut handler, stop);
            (handler, aggregator.stats())
        });
        let archiver = scope.spawn(move || {
            let mut handler = Archiver::default();
            archiver.run(&mut handler, stop);
            (handler, archiver.stats())
        });
        let pager = scope.spawn(move || {
            let mut handler = Pager::default();
            pager.run(&mut handler, stop);
            (handler, pager.stats())
        });

        let samples = bus.samples().publisher().expect("many producers may take it");
        let sensors: Vec<_> = (0..SENSORS)
            .map(|sensor| {
                let mut samples = samples.clone().with_wait_strategy(WaitStrategy::backoff());
                scope.spawn(move || {
                    let ring = bus.samples().ring();
                    let mut report = SensorReport::default();
                    let mut pressure = ring.pressure();
                    for ts in 0..READINGS_PER_SENSOR {
                        if ts % 64 == 0 {
                            pressure = ring.pressure();
                            report.peak = report.peak.max(pressure.ratio());
                            report.under_pressure += u64::from(pressure.is_under_pressure());
                        }
                        // Every 8th reading is high priority; the rest may be shed.
                        let priority = u32::from(ts % 8 == 0);
                        if pressure.should_throttle() && priority == 0 {
                            report.shed += 1;
                            continue;
                        }
                        let value = 50.0
                            + 49.5 * ((ts as f64 + f64::from(sensor) * 7.0) * 0.001).sin()
                            + if ts % 100_003 == 0 { 10.0 } else { 0.0 };
                        samples.publish(Sample { ts, value, sensor, priority }); // waits if full
                        report.published += 1;
                    }
                    report
                })
            })
            .collect();
        drop(samples);
        let reports: Vec<SensorReport> = sensors.into_iter().map(|s| s.join().unwrap()).collect();
        // The sensors' publishers are gone: `samples` closes, the aggregator drains it and
        // returns, dropping its `alerts` publisher, which closes `alerts` for the pager.
        let (aggregated, aggregator_stats) = aggregator.join().unwrap();
        let (archived, archiver_stats) = archiver.join().unwrap();
        let (paged, pager_stats) = pager.join().unwrap();
        let elapsed = started.elapsed();

        let published: u64 = reports.iter().map(|r| r.published).sum();
        let shed: u64 = reports.iter().map(|r| r.shed).sum();
        println!(
            "telemetry: {SENSORS} sensors x {READINGS_PER_SENSOR} readings in {elapsed:.2?}; {published} published, {shed} shed at the source"
        );
        for (sensor, report) in reports.iter().enumerate() {
            println!(
                "  sensor {sensor}   published {:>7}, shed {:>7} (throttled at >= 90 %), saw >= 80 % full on {:>5} checks, peak {:.0} %",
                report.published,
                report.shed,
                report.under_pressure,
                report.peak * 100.0
            );
        }
        println!(
            "  archiver   wrote {} samples in {} flushes (per sensor {:?}): every published sample",
            archived.written, archived.flushes, archived.per_sensor
        );
        let means: Vec<String> = (0..SENSORS as usize)
            .map(|s| format!("{:.1}", aggregated.sums[s] / aggregated.counts[s].max(1) as f64))
            .collect();
        println!(
            "  aggregator read {} samples, means {}, raised {} alerts",
            aggregator_stats.received,
            means.join(" / "),
            aggregated.alerts
        );
        println!("  pager      paged {} alerts, {} lost to overwrite", paged.pages, paged.missed);

        assert_eq!(archived.written, published, "lossless: the archiver got every published sample");
        assert_eq!(aggregator_stats.received, published);
        for (sensor, report) in reports.iter().enumerate() {
            assert_eq!(archived.per_sensor[sensor], report.published);
        }
        assert_eq!(pager_stats.received + pager_stats.lagged, aggregated.alerts);
        assert_eq!(archiver_stats.lagged, 0);
    });
}
