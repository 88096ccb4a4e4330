pub mod events;
pub mod servers;
