//! A generated bus used from async code: `publish_async` on a backpressure topic and
//! `recv_<topic>_async` on its subscribers, under tokio's multi-thread runtime.
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
}
