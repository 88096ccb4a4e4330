//! `schema-examples/market.toml`, across threads.
#[hardwire::bus(topology = "../../../../schema-examples/market.toml")]
pub mod market {}

use market::{Order, Quote, Trade};

struct Strategy {
    seen: u64,
}

impl market::Momentum for Strategy {
    fn on_trade(&mut self, _: &Trade) {
        self.seen += 1;
    }
    fn on_quote(&mut self, _: &Quote) {
        self.seen += 1;
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
    let mut momentum = bus.momentum().unwrap();
    let orders = bus.orders().publisher().unwrap();
    let shutdown = hardwire::Shutdown::new();
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
        let mut handler = Gateway { orders: Vec::new() };
        gateway.run(&mut handler, &shutdown);
        assert_eq!(handler.orders.len(), 300);
    });
    let mut feed = bus.market_data().publisher().unwrap();
    feed.publish_batch(&[Quote { ts: 1, bid: 1.0, ask: 2.0, bid_size: 1, ask_size: 1 }; 10]);
    let mut strategy = Strategy { seen: 0 };
    momentum.poll(&mut strategy);
    assert_eq!(strategy.seen, 10);
    println!("{}", bus.stats());
}
