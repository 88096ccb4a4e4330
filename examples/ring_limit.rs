//! The ring-size limit is the target's: `schema-examples/ring_limit.toml` declares a 2 GiB
//! ring, which builds here on a 64-bit target, while a 32-bit build (`cargo check --target
//! i686-unknown-linux-gnu --example ring_limit`) fails with an error at the topology's
//! `capacity` line saying to lower it. `.ci/run` checks both.

#[hardwire::bus(topology = "schema-examples/ring_limit.toml")]
pub mod limit {}

fn main() {
    // Only the size: the ring itself is never allocated.
    let gib = limit::Bus::MEMORY_BYTES as f64 / f64::from(1 << 30);
    println!("ring_limit: a bus of {gib:.2} GiB builds on this {}-bit target", usize::BITS);
}
