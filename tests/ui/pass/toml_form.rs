//! `schema-examples/market.toml`, across threads.
#[hardwire::bus(topology = "schema-examples/market.toml")]
pub mod market {}

use market::{Order, Quote, Trade};

struct Strategy {
    seen: u64,
}

impl market::Momentum for Strategy {
    fn on_trade(&mut self, _: &Trade, _: &mut market::momentum::Outputs<'_>) {
        self.seen += 1;
    }
    fn on_quote(&mut self, quote: &Quote, out: &mut market::momentum::Outputs<'_>) {
        self.seen += 1;
        out.orders.publish(Order { id: quote.ts, price: quote.ask, qty: 1, side: 0 });
    }
}

struct Gateway {
    orders: Vec<u64>,
}

impl market::Gateway for Gateway {
    fn on_order(&mut self, order: &Order) {
        self.orders.push(order.id);
    }
}

fn main() {
    let bus = market::Bus::new_boxed();
    let mut gateway = bus.gateway().unwrap();
    // A stage: the handle holds a publisher of `orders`.
    let mut momentum = bus.momentum().unwrap();
    let orders = bus.orders().publisher().unwrap();
    let shutdown = hardwire::Shutdown::new();
    let mut handler = Gateway { orders: Vec::new() };
    std::thread::scope(|scope| {
        for producer in 0..3u64 {
            let mut orders = orders.clone();
            scope.spawn(move || {
                for i in 0..100 {
                    orders.publish(Order { id: producer * 1000 + i, price: 1.0, qty: 1, side: 0 });
                }
            });
        }
        drop(orders);
        while handler.orders.len() < 300 {
            if gateway.poll(&mut handler) == 0 {
                std::thread::yield_now();
            }
        }
    });
    let mut feed = bus.market_data().publisher().unwrap();
    feed.publish_batch(&[Quote { ts: 1, bid: 1.0, ask: 2.0, bid_size: 1, ask_size: 1 }; 10]);
    let mut strategy = Strategy { seen: 0 };
    momentum.poll(&mut strategy);
    assert_eq!(strategy.seen, 10);
    println!("{}", bus.stats());
    // The stage held the last publisher of `orders`: dropping it closes the topic, and
    // `run` returns once the gateway has drained it.
    drop(momentum);
    gateway.run(&mut handler, &shutdown);
    assert_eq!(handler.orders.len(), 310);
}
