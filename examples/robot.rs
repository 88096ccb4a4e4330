//! A robotics-style pipeline generated from `schema-examples/robot.toml`: a sensor thread
//! feeds `sensors` (lossy); the `filter` stage turns scans into `obstacles` (lossless);
//! the `planner` stage turns obstacles into velocity `commands` (lossless) and, when an
//! obstacle is close, raises an `alarms` event that is delivered inline — `emit` calls the
//! `console` and `black_box` handlers directly, on the planner's thread, before it returns.
//!
//! ```text
//! cargo run --release --example robot
//! ```

use std::thread;
use std::time::Instant;

use hardwire::Shutdown;

#[hardwire::bus(topology = "schema-examples/robot.toml")]
pub mod robot {}

use robot::{Alarm, Obstacle, Odometry, Scan, Velocity};

const SCANS: u64 = 1_000_000;
const TOO_CLOSE: f64 = 0.5;

/// Smooths the range of each scan and keeps the odometer; publishes an obstacle per scan.
#[derive(Default)]
struct Filter {
    scans: u64,
    smoothed: f64,
    travelled: f64,
    lost: u64,
}

impl robot::Filter for Filter {
    fn on_scan(&mut self, scan: &Scan, out: &mut robot::filter::Outputs<'_>) {
        self.scans += 1;
        let range = f64::from(scan.range);
        self.smoothed = if self.smoothed == 0.0 { range } else { self.smoothed * 0.8 + range * 0.2 };
        let confidence = (1.0 - (range - self.smoothed).abs() / 10.0).clamp(0.0, 1.0) as f32;
        out.obstacles.publish(Obstacle { ts: scan.ts, distance: self.smoothed, bearing: scan.bearing, confidence });
    }

    fn on_odometry(&mut self, odometry: &Odometry, _: &mut robot::filter::Outputs<'_>) {
        self.travelled += odometry.distance;
    }

    fn on_lagged(&mut self, _: robot::Topic, missed: u64) {
        self.lost += missed;
    }
}

/// Slows down as obstacles get closer; raises an alarm (inline) when one is too close.
struct Planner<'h> {
    alarms: robot::alarms::Dispatcher<'h, Console, BlackBox>,
    commands: u64,
}

impl robot::Planner for Planner<'_> {
    fn on_obstacle(&mut self, obstacle: &Obstacle, out: &mut robot::planner::Outputs<'_>) {
        let linear = (obstacle.distance - TOO_CLOSE).clamp(0.0, 2.0);
        let angular = if obstacle.distance < 2.0 { f64::from(obstacle.bearing).signum() * -0.5 } else { 0.0 };
        out.commands.publish(Velocity { ts: obstacle.ts, linear, angular });
        self.commands += 1;
        if obstacle.distance < TOO_CLOSE {
            // Both handlers have run when `emit` returns.
            self.alarms.emit(Alarm { ts: obstacle.ts, code: 1, severity: u32::from(obstacle.confidence > 0.9) + 1 });
        }
    }
}

#[derive(Default)]
struct Console {
    shown: u64,
    last: Option<Alarm>,
}

impl robot::Console for Console {
    fn on_alarm(&mut self, alarm: &Alarm) {
        self.shown += 1;
        self.last = Some(*alarm);
    }
}

#[derive(Default)]
struct BlackBox {
    recorded: [u64; 3],
}

impl robot::BlackBox for BlackBox {
    fn on_alarm(&mut self, alarm: &Alarm) {
        self.recorded[alarm.severity as usize] += 1;
    }
}

/// Integrates the velocity commands it receives: every one, in order.
#[derive(Default)]
struct Actuator {
    commands: u64,
    last_ts: Option<u64>,
    distance: f64,
}

impl robot::Actuator for Actuator {
    fn on_velocity(&mut self, velocity: &Velocity) {
        assert!(self.last_ts < Some(velocity.ts), "commands arrive in order");
        self.last_ts = Some(velocity.ts);
        self.commands += 1;
        self.distance += velocity.linear * 0.001;
    }
}

fn main() {
    let bus = robot::Bus::new_boxed(); // on the heap this time: no stack copy, no static
    let stop = Shutdown::new();
    let started = Instant::now();
    thread::scope(|scope| {
        let mut filter = bus.filter().expect("taken once");
        let mut planner = bus.planner().expect("taken once");
        let mut actuator = bus.actuator().expect("taken once");
        let stop = &stop;

        let filter = scope.spawn(move || {
            let mut handler = Filter::default();
            filter.run(&mut handler, stop);
            (handler, filter.stats())
        });
        let planner = scope.spawn(move || {
            let (mut console, mut black_box) = (Console::default(), BlackBox::default());
            let mut handler =
                Planner { alarms: robot::alarms::Dispatcher::new(&mut console, &mut black_box), commands: 0 };
            planner.run(&mut handler, stop);
            let commands = handler.commands;
            (commands, console, black_box, planner.stats())
        });
        let actuator = scope.spawn(move || {
            let mut handler = Actuator::default();
            actuator.run(&mut handler, stop);
            (handler, actuator.stats())
        });

        let mut sensors = bus.sensors().publisher().expect("the sensor thread is the single producer");
        let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
        for ts in 0..SCANS {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            // A wall that comes and goes: ranges sweep from 0.1 m to 10 m.
            let range = 0.1 + 9.9 * ((ts % 5000) as f32 / 5000.0) + (rng % 100) as f32 / 1000.0;
            let bearing = ((rng >> 20) % 628) as f32 / 100.0 - std::f32::consts::PI;
            sensors.publish(Scan { ts, range, bearing });
            if ts % 4 == 0 {
                sensors.publish(Odometry { ts, distance: 0.001 });
            }
            if ts % 1024 == 1023 {
                thread::yield_now();
            }
        }
        drop(sensors); // closes `sensors`; each stage's outputs close when its handle drops

        let (filter, filter_stats) = filter.join().unwrap();
        let (commands, console, black_box, planner_stats) = planner.join().unwrap();
        let (actuator, actuator_stats) = actuator.join().unwrap();
        let elapsed = started.elapsed();

        println!("robot: {SCANS} scans through sensor -> filter -> planner -> actuator in {elapsed:.2?}");
        println!(
            "  filter    read {:>8}, lost {:>8} to overwrite; odometer {:.1} m",
            filter_stats.received, filter.lost, filter.travelled
        );
        println!("  planner   read {:>8} obstacles (lossless), sent {commands} commands", planner_stats.received);
        println!(
            "  actuator  read {:>8} commands (lossless), drove {:.1} m",
            actuator_stats.received, actuator.distance
        );
        println!(
            "  alarms    {} shown on the console (last: {:?}), black box: {} warnings, {} critical",
            console.shown, console.last, black_box.recorded[1], black_box.recorded[2]
        );
        println!("  {} bytes of rings on the heap (Bus::MEMORY_BYTES)", robot::Bus::MEMORY_BYTES);

        let published = SCANS + SCANS.div_ceil(4);
        assert_eq!(filter_stats.received + filter_stats.lagged, published, "lag is counted exactly");
        assert_eq!(planner_stats.received, filter.scans, "one obstacle per scan, none lost");
        assert_eq!(actuator.commands, commands, "no command lost");
        assert_eq!(console.shown, black_box.recorded.iter().sum::<u64>(), "inline: every handler saw every alarm");
    });
}
