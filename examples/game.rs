//! A game loop generated from `schema-examples/game.toml`. Within each frame, on the game
//! thread: input events go to the player, the tick goes to physics, and physics reports
//! contacts to audio and the HUD — all by direct calls through inline dispatchers (no ring,
//! no queue, no `dyn`). After each frame a `FrameStats` record goes over a lossy ring to a
//! profiler thread, which may fall behind without ever slowing the game down.
//!
//! ```text
//! cargo run --release --example game
//! ```

use std::hint::black_box;
use std::thread;
use std::time::Instant;

use hardwire::Shutdown;

#[hardwire::bus(topology = "schema-examples/game.toml")]
pub mod game {}

use game::{Contact, FrameStats, Input, Tick};

const FRAMES: u64 = 200_000;
const BODIES: usize = 64;
const FLOOR: f32 = 0.0;

#[derive(Default)]
struct Player {
    jumps: u64,
    held: u32,
}

impl game::Player for Player {
    fn on_input(&mut self, input: &Input) {
        if input.pressed != 0 {
            self.held |= 1 << input.key;
            self.jumps += u64::from(input.key == 0);
        } else {
            self.held &= !(1 << input.key);
        }
    }
}

/// Bouncing bodies; a body hitting the floor is a contact, emitted inline to audio and HUD
/// before `on_tick` returns.
struct Physics<'h> {
    height: [f32; BODIES],
    speed: [f32; BODIES],
    contacts: game::contacts::Dispatcher<'h, Audio, Hud>,
    frame_contacts: u32,
}

impl game::Physics for Physics<'_> {
    fn on_tick(&mut self, tick: &Tick) {
        for body in 0..BODIES {
            self.speed[body] -= 9.81 * tick.dt;
            self.height[body] += self.speed[body] * tick.dt;
            if self.height[body] < FLOOR {
                self.height[body] = FLOOR;
                let impulse = -self.speed[body];
                self.speed[body] = impulse * 0.9;
                if impulse > 0.2 {
                    // A body at rest on the floor (impulse g·dt ≈ 0.16) touches it every frame: not news.
                    self.frame_contacts += 1;
                    self.contacts.emit(Contact { frame: tick.frame, body: body as u32, impulse });
                }
            }
        }
    }
}

#[derive(Default)]
struct Audio {
    sounds: u64,
    loudest: f32,
}

impl game::Audio for Audio {
    fn on_contact(&mut self, contact: &Contact) {
        if contact.impulse > 0.5 {
            self.sounds += 1;
            self.loudest = self.loudest.max(contact.impulse);
        }
    }
}

#[derive(Default)]
struct Hud {
    last_contact_frame: u64,
    contacts: u64,
}

impl game::Hud for Hud {
    fn on_contact(&mut self, contact: &Contact) {
        self.contacts += 1;
        self.last_contact_frame = contact.frame;
    }
}

/// Summarises frame times; loses the oldest records when it falls a lap behind.
#[derive(Default)]
struct Profiler {
    frames: u64,
    total_nanos: u64,
    worst_nanos: u64,
    lost: u64,
}

impl game::Profiler for Profiler {
    fn on_frame_stats(&mut self, stats: &FrameStats) {
        self.frames += 1;
        self.total_nanos += stats.nanos;
        self.worst_nanos = self.worst_nanos.max(stats.nanos);
    }

    fn on_lagged(&mut self, _: game::Topic, missed: u64) {
        self.lost += missed;
    }
}

fn main() {
    let bus = game::Bus::new();
    let stop = Shutdown::new();
    thread::scope(|scope| {
        let mut profiler = bus.profiler().expect("taken once");
        let stop = &stop;
        let profiler = scope.spawn(move || {
            let mut summary = Profiler::default();
            profiler.run(&mut summary, stop);
            (summary, profiler.stats())
        });

        let (mut audio, mut hud, mut player) = (Audio::default(), Hud::default(), Player::default());
        let mut physics = Physics {
            height: std::array::from_fn(|body| 1.0 + body as f32 * 0.25),
            speed: [0.0; BODIES],
            contacts: game::contacts::Dispatcher::new(&mut audio, &mut hud),
            frame_contacts: 0,
        };
        let mut controls = game::controls::Dispatcher::new(&mut player, &mut physics);
        let mut stats = bus.profile().publisher().expect("the game thread is the single producer");

        let started = Instant::now();
        let mut inputs_total = 0u64;
        for frame in 0..FRAMES {
            let frame_start = Instant::now();
            // A few key events per frame, from a fixed pattern standing in for a controller.
            let inputs = (frame % 4) as u32;
            for i in 0..inputs {
                controls.emit(Input { frame, key: i, pressed: u32::from(frame % 8 < 4) });
            }
            inputs_total += u64::from(inputs);
            controls.physics.frame_contacts = 0;
            controls.emit(Tick { frame, dt: 1.0 / 60.0, ..Default::default() }); // `_pad_end` stays zero
            let contacts = controls.physics.frame_contacts;
            let nanos = u64::try_from(frame_start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            stats.publish(FrameStats { frame, nanos, contacts, inputs });
        }
        let elapsed = started.elapsed();
        black_box(&controls.physics.height);
        drop(stats); // closes `profile`: the profiler drains it and returns
        let (summary, profiler_stats) = profiler.join().unwrap();

        let per_frame = elapsed.as_nanos() as f64 / FRAMES as f64;
        println!(
            "game: {FRAMES} frames of {BODIES} bodies in {elapsed:.2?} ({per_frame:.0} ns per frame, dispatch inline)"
        );
        println!(
            "  player    {inputs_total} inputs, {} jumps, keys held at the end: {:#06b}",
            player.jumps, player.held
        );
        println!("  hud       {} contacts, the last in frame {}", hud.contacts, hud.last_contact_frame);
        println!("  audio     {} sounds, loudest impulse {:.2}", audio.sounds, audio.loudest);
        println!(
            "  profiler  {} frame records read, {} lost to overwrite (the game never waited); mean {:.0} ns, worst {} ns per frame",
            summary.frames,
            summary.lost,
            summary.total_nanos as f64 / summary.frames.max(1) as f64,
            summary.worst_nanos
        );
        assert_eq!(profiler_stats.received + profiler_stats.lagged, FRAMES, "every record read or counted lost");
        assert_eq!(summary.lost, profiler_stats.lagged);
        assert!(hud.contacts >= audio.sounds, "both inline handlers saw every contact");
    });
}
