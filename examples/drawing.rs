//! A collaborative drawing app generated from `schema-examples/drawing.toml`, with sized
//! byte-payload topics: each user's thread serializes strokes of varying length into
//! `strokes` (up to 4 KiB each, lossless, several producers). A stroke too long for its size
//! class is an error value (`TooLong`), never a panic: the user splits it and sends the
//! halves. The `canvas` stage draws every stroke and publishes 16 KiB canvas snapshots; the
//! `recorder` keeps every stroke; the `viewer` follows cursors and the newest snapshot.
//!
//! ```text
//! cargo run --release --example drawing
//! ```

use std::thread;
use std::time::Instant;

use hardwire::{BytesL, BytesXL, Shutdown, SizeClass, TooLong};

#[hardwire::bus(topology = "schema-examples/drawing.toml")]
pub mod drawing {}

use drawing::Cursor;

const USERS: u8 = 3;
const STROKES_PER_USER: u32 = 4_000;
const SIDE: usize = 128;
const SNAPSHOT_EVERY: u64 = 1_000;

/// A stroke on the wire: user, colour, then (x, y) points as little-endian `u16` pairs.
fn encode(user: u8, colour: u8, points: &[(u16, u16)], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&[user, colour]);
    for &(x, y) in points {
        out.extend_from_slice(&x.to_le_bytes());
        out.extend_from_slice(&y.to_le_bytes());
    }
}

fn decode(bytes: &[u8]) -> Option<(u8, u8, impl Iterator<Item = (u16, u16)> + '_)> {
    let (&[user, colour], points) = bytes.split_first_chunk::<2>()?;
    (points.len() % 4 == 0).then(|| {
        let points =
            points.chunks_exact(4).map(|p| (u16::from_le_bytes([p[0], p[1]]), u16::from_le_bytes([p[2], p[3]])));
        (user, colour, points)
    })
}

/// Draws every stroke into a 128 × 128 canvas; every 1000 strokes, publishes the whole
/// canvas (exactly 16 KiB, the largest size class) as a snapshot.
struct Canvas {
    pixels: Box<[u8; SIDE * SIDE]>,
    strokes: u64,
    snapshots: u64,
}

impl drawing::Canvas for Canvas {
    fn on_strokes(&mut self, stroke: &BytesL, out: &mut drawing::canvas::Outputs<'_>) {
        let (_, colour, points) = decode(stroke).expect("strokes are well-formed");
        for (x, y) in points {
            self.pixels[usize::from(y) % SIDE * SIDE + usize::from(x) % SIDE] = colour;
        }
        self.strokes += 1;
        if self.strokes % SNAPSHOT_EVERY == 0 {
            out.snapshots.publish_bytes(&self.pixels[..]).expect("a 128 x 128 canvas is exactly 16 KiB");
            self.snapshots += 1;
        }
    }
}

/// Keeps every stroke: counts and bytes per user.
#[derive(Default)]
struct Recorder {
    strokes: [u64; USERS as usize],
    bytes: u64,
    classes: [u64; 5],
}

impl drawing::Recorder for Recorder {
    fn on_strokes(&mut self, stroke: &BytesL) {
        let (user, _, points) = decode(stroke).expect("strokes are well-formed");
        assert!(points.count() > 0);
        self.strokes[usize::from(user)] += 1;
        self.bytes += stroke.len() as u64;
        let class = SizeClass::for_len(stroke.len()).expect("at most 4 KiB");
        self.classes[SizeClass::ALL.iter().position(|&c| c == class).unwrap_or(0)] += 1;
    }
}

/// Follows the newest cursor positions and canvas snapshots; may fall behind.
#[derive(Default)]
struct Viewer {
    cursors: u64,
    snapshots: u64,
    inked: usize,
    lost: u64,
}

impl drawing::Viewer for Viewer {
    fn on_cursor(&mut self, _: &Cursor) {
        self.cursors += 1;
    }

    fn on_snapshots(&mut self, snapshot: &BytesXL) {
        self.snapshots += 1;
        self.inked = snapshot.iter().filter(|&&pixel| pixel != 0).count();
    }

    fn on_lagged(&mut self, _: drawing::Topic, missed: u64) {
        self.lost += missed;
    }
}

/// What one user's thread did.
#[derive(Debug, Default)]
struct UserReport {
    strokes: u64,
    split: u64,
}

fn main() {
    let bus = drawing::Bus::new_boxed(); // 1.2 MiB of rings: on the heap, never on the stack
    let stop = Shutdown::new();
    let started = Instant::now();
    thread::scope(|scope| {
        let (bus, stop) = (&*bus, &stop);
        let mut canvas = bus.canvas().expect("taken once");
        let mut recorder = bus.recorder().expect("taken once");
        let mut viewer = bus.viewer().expect("taken once");
        let canvas = scope.spawn(move || {
            let mut handler = Canvas { pixels: Box::new([0; SIDE * SIDE]), strokes: 0, snapshots: 0 };
            canvas.run(&mut handler, stop);
            (handler.strokes, handler.snapshots, canvas.stats())
        });
        let recorder = scope.spawn(move || {
            let mut handler = Recorder::default();
            recorder.run(&mut handler, stop);
            (handler, recorder.stats())
        });
        let viewer = scope.spawn(move || {
            let mut handler = Viewer::default();
            viewer.run(&mut handler, stop);
            handler
        });

        let strokes = bus.strokes().publisher().expect("many users may publish");
        let cursors = bus.cursors().publisher().expect("many users may publish");
        let users: Vec<_> = (0..USERS)
            .map(|user| {
                let (mut strokes, mut cursors) = (strokes.clone(), cursors.clone());
                scope.spawn(move || {
                    let mut report = UserReport::default();
                    let mut rng = 0x2545_f491_4f6c_dd1d_u64 ^ u64::from(user);
                    let mut points = Vec::new();
                    let mut buffer = Vec::new();
                    for _ in 0..STROKES_PER_USER {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        // Mostly short strokes, some long ones: 2 to 1200 points (8 to 4802 bytes).
                        let len = if rng % 10 == 0 { 2 + (rng >> 8) % 1199 } else { 2 + (rng >> 8) % 60 };
                        let (mut x, mut y) = ((rng >> 20) as u16 % 128, (rng >> 30) as u16 % 128);
                        points.clear();
                        for step in 0..len {
                            x = (x + (step % 3) as u16) % 128;
                            y = (y + (step % 2) as u16) % 128;
                            points.push((x, y));
                        }
                        let colour = 1 + user;
                        encode(user, colour, &points, &mut buffer);
                        match strokes.publish_bytes(&buffer) {
                            Ok(()) => report.strokes += 1,
                            Err(TooLong { .. }) => {
                                // Too long for the 4 KiB class: send it as two strokes.
                                let (first, second) = points.split_at(points.len() / 2);
                                for half in [first, second] {
                                    encode(user, colour, half, &mut buffer);
                                    strokes.publish_bytes(&buffer).expect("half a stroke fits");
                                    report.strokes += 1;
                                }
                                report.split += 1;
                            }
                        }
                        cursors.publish(Cursor { user: u32::from(user), x: f32::from(x), y: f32::from(y) });
                    }
                    report
                })
            })
            .collect();
        drop((strokes, cursors));
        let reports: Vec<UserReport> = users.into_iter().map(|u| u.join().unwrap()).collect();
        let (drawn, snapshots, canvas_stats) = canvas.join().unwrap();
        let (recorded, recorder_stats) = recorder.join().unwrap();
        let viewed = viewer.join().unwrap();
        let elapsed = started.elapsed();

        let sent: u64 = reports.iter().map(|r| r.strokes).sum();
        let split: u64 = reports.iter().map(|r| r.split).sum();
        println!("drawing: {USERS} users, {sent} strokes ({split} too long for 4 KiB, sent as two) in {elapsed:.2?}");
        println!("  canvas    drew {drawn} strokes, published {snapshots} snapshots of 16 KiB");
        println!(
            "  recorder  kept {} strokes per user, {} KiB in all; by size class {}",
            recorded.strokes.map(|n| n.to_string()).join(" / "),
            recorded.bytes / 1024,
            SizeClass::ALL
                .iter()
                .zip(recorded.classes)
                .map(|(c, n)| format!("{c}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  viewer    saw {} cursor moves and {} snapshots (last one {} pixels inked), {} lost to overwrite",
            viewed.cursors, viewed.snapshots, viewed.inked, viewed.lost
        );
        assert_eq!(canvas_stats.received, sent, "lossless: the canvas drew every stroke");
        assert_eq!(recorder_stats.received, sent);
        for (user, report) in reports.iter().enumerate() {
            assert_eq!(recorded.strokes[user], report.strokes);
        }
    });
}
