//! A generated bus used from async code: `publish_async` on a backpressure topic,
//! `recv_<topic>_async` on its subscribers, `run_async` and the `Shutdown` that stops it,
//! under tokio's multi-thread runtime.
//!
//! The async methods exist when the runtime is built with its `async` feature:
//! `cargo test --features async --test async_bus`. This whole file is wrapped in the same
//! switch the generated code uses, so without the feature it is empty.

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Job {
    pub seq: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Done {
    pub seq: u64,
}

#[hardwire::bus]
pub mod jobs {
    use super::{Done, Job};

    #[topic(capacity = 4, overflow = "backpressure", producers = "multi")]
    pub struct Work(Job, Done);

    #[topic(capacity = 4, overflow = "overwrite")]
    pub struct Replies(Done);

    #[subscriber(Work)]
    pub trait Worker {}

    #[subscriber(Work(Done))]
    pub trait Auditor {}

    #[subscriber(Replies)]
    pub trait Client {}
}

#[hardwire::bus]
pub mod desk {
    use super::{Done, Job};

    #[topic(capacity = 2, overflow = "backpressure")]
    pub struct Orders(Job);

    #[topic(capacity = 8)]
    pub struct Alerts(Done);

    #[subscriber(Orders, Alerts)]
    pub trait Trader {}

    #[subscriber(Alerts)]
    pub trait Pager {}
}

hardwire::__private::if_async! {
    use std::time::Duration;

    use jobs::{Bus, Replies, Work};

    static BUS: Bus = Bus::new();

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_generated_bus_works_from_tasks_without_lost_wake_ups() {
        const JOBS: u64 = 20_000;
        let mut worker = BUS.worker().unwrap();
        let mut auditor = BUS.auditor().unwrap();
        let mut client = BUS.client().unwrap();
        let producer = tokio::spawn(async {
            let mut work = BUS.work().publisher().unwrap();
            for seq in 0..JOBS {
                // The ring holds 4: the auditor and worker must keep up, and wake us.
                work.publish_async(Job { seq }).await;
            }
            work.publish_async(Done { seq: JOBS }).await;
        });
        let worker = tokio::spawn(async move {
            let mut replies = BUS.replies().publisher().unwrap();
            let mut next = 0;
            loop {
                match worker.recv_work_async().await {
                    Ok(Work::Job(job)) => {
                        assert_eq!(job.seq, next);
                        next += 1;
                    }
                    Ok(Work::Done(done)) => {
                        replies.publish(done);
                        return next;
                    }
                    Err(other) => panic!("worker: {other}"),
                }
            }
        });
        let audited = tokio::spawn(async move {
            // Reads only `Done`: the jobs are filtered out before they reach it, and its
            // enum has no `Job` variant to match.
            match auditor.recv_work_async().await {
                Ok(jobs::auditor::Work::Done(done)) => done.seq,
                Err(other) => panic!("auditor: {other}"),
            }
        });
        let outcome = tokio::time::timeout(Duration::from_secs(60), async {
            let Replies::Done(reply) = client.recv_replies_async().await.unwrap();
            producer.await.unwrap();
            (reply.seq, worker.await.unwrap(), audited.await.unwrap())
        })
        .await
        .expect("no progress for 60 s: a wake-up was lost");
        assert_eq!(outcome, (JOBS, JOBS, JOBS));
        // The worker dropped its publisher when it returned: the topic is closed.
        assert!(matches!(client.try_recv_replies(), Err(hardwire::TryRecvError::Closed)));
    }

    /// Counts what the trader's handler is given, where the test can see it.
    struct Counting(std::sync::Arc<std::sync::atomic::AtomicU64>);

    impl desk::Trader for Counting {
        fn on_job(&mut self, job: &Job) {
            self.0.fetch_add(job.seq, std::sync::atomic::Ordering::Relaxed);
        }

        fn on_done(&mut self, done: &Done) {
            self.0.fetch_add(done.seq, std::sync::atomic::Ordering::Relaxed);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn run_async_is_woken_by_either_topic_and_stopped_by_a_shutdown() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU64, Ordering};

        let bus = desk::SharedBus::new();
        let stop = Arc::new(hardwire::Shutdown::new());
        let seen = Arc::new(AtomicU64::new(0));
        let mut trader = bus.trader().unwrap();
        let mut pager = bus.pager().unwrap();
        let trading = tokio::spawn({
            let (stop, seen) = (stop.clone(), seen.clone());
            async move {
                trader.run_async(&mut Counting(seen), &stop).await;
                trader
            }
        });
        let paging = tokio::spawn({
            let stop = stop.clone();
            async move {
                // A lossy topic: a pager scheduled late is lapped, and told exactly how much.
                let mut pages = 0;
                loop {
                    match pager.recv_alerts_async_until(&stop).await {
                        Ok(desk::Alerts::Done(_)) => pages += 1,
                        Err(hardwire::AsyncRecvUntilError::Lagged { missed }) => pages += missed,
                        Err(end) => return (pages, end),
                    }
                }
            }
        });
        let mut orders = bus.orders_publisher().unwrap();
        let mut alerts = bus.alerts_publisher().unwrap();
        // Each event waits for the previous one to be handled, so the loop sleeps between
        // them and is woken alternately by each topic.
        let mut sum = 0;
        for seq in 1..=1000 {
            if seq % 2 == 0 {
                orders.publish_async(Job { seq }).await;
            } else {
                alerts.publish(Done { seq });
            }
            sum += seq;
            tokio::time::timeout(Duration::from_secs(60), async {
                while seen.load(Ordering::Relaxed) != sum {
                    tokio::task::yield_now().await;
                }
            })
            .await
            .expect("no progress for 60 s: run_async missed a wake-up");
        }
        // Both topics stay open: only the shutdown ends the loop and the pager's wait.
        stop.trigger();
        let (trader, (pages, end)) = tokio::time::timeout(Duration::from_secs(60), async {
            (trading.await.unwrap(), paging.await.unwrap())
        })
        .await
        .expect("a shutdown did not stop an awaiting task");
        assert_eq!((pages, end), (500, hardwire::AsyncRecvUntilError::Shutdown));
        assert_eq!(trader.stats().received, 1000);
        // A full topic's async publish gives the event back once the shutdown is triggered.
        orders.publish(Job { seq: 1 });
        orders.publish(Job { seq: 2 });
        assert_eq!(orders.publish_async_until(Job { seq: 3 }, &stop).await, Err(hardwire::Stopped(Job { seq: 3 })));
    }
}
