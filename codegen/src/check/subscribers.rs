//! Subscribers: what each reads (`subscriptions`, the TOML `events` filter), what a stage
//! publishes (`stage_outputs`) and reads (`stage_inputs`).

use std::collections::HashMap;

use super::{ident, names_of};
use crate::diag::Diagnostics;
use crate::model::{Key, Name, SubscriberDecl, Topology};
use crate::names::{snake, suggestion, upper_camel};
use crate::plan;

/// Resolves every subscriber, and records on each topic who reads it and which stages
/// publish to it.
pub(super) fn resolve(
    topology: &Topology,
    topics: &mut [plan::Topic],
    events: &[plan::Event],
    event_index: &HashMap<&str, usize>,
    topic_index: &HashMap<&str, usize>,
    d: &mut Diagnostics,
) -> Vec<plan::Subscriber> {
    let mut subscribers: Vec<plan::Subscriber> = Vec::with_capacity(topology.subscribers.len());
    for (s, subscriber) in topology.subscribers.iter().enumerate() {
        let who = &subscriber.name.text;
        let mut subscriptions = subscriptions(topology, subscriber, topics, events, event_index, topic_index, d);
        if let Some(only) = &subscriber.events {
            apply_event_filter(who, only, &mut subscriptions, events, topics, event_index, d);
        }
        let mut handled = Vec::new();
        for subscription in &subscriptions {
            for &e in &subscription.events {
                if !handled.contains(&e) {
                    handled.push(e);
                }
            }
        }
        let publishes = stage_outputs(topology, subscriber, topics, topic_index, d);
        if !publishes.is_empty() {
            stage_inputs(subscriber, &subscriptions, topics, d);
        }
        for subscription in &subscriptions {
            topics[subscription.topic].subscribers.push(s);
        }
        for &t in &publishes {
            topics[t].stages.push(s);
        }
        subscribers.push(plan::Subscriber {
            name: snake(who),
            snake: ident(&snake(who)),
            camel: ident(&upper_camel(who)),
            docs: subscriber.docs.clone(),
            subscriptions,
            handled,
            publishes,
            optional: subscriber.optional,
            handle: None,
        });
    }

    subscribers
}

/// Rule `subscriptions`: a subscriber reads at least one topic, each known and listed once,
/// and (Rust form, `Topic(Event, ..)`) only events that topic carries.
fn subscriptions(
    topology: &Topology,
    subscriber: &SubscriberDecl,
    topics: &[plan::Topic],
    events: &[plan::Event],
    event_index: &HashMap<&str, usize>,
    topic_index: &HashMap<&str, usize>,
    d: &mut Diagnostics,
) -> Vec<plan::Subscription> {
    let who = &subscriber.name.text;
    if subscriber.subscriptions.is_empty() && !subscriber.malformed.contains(&Key::Topics) {
        d.error(
            &subscriber.subscriptions_loc,
            format!("subscriber `{who}` subscribes to nothing; list its topics: `topics = [\"topic\"]`"),
        );
    }
    let mut subscriptions: Vec<plan::Subscription> = Vec::new();
    for subscription in &subscriber.subscriptions {
        let Some(&t) = topic_index.get(subscription.topic.text.as_str()) else {
            if topology.rejected.contains(&subscription.topic.text) {
                continue; // reported where declared
            }
            d.error(
                &subscription.topic.loc,
                format!(
                    "unknown topic `{}` in subscriber `{who}`{}",
                    subscription.topic.text,
                    suggestion(&subscription.topic.text, topology.topics.iter().map(|t| t.name.text.as_str()))
                ),
            );
            continue;
        };
        if subscriptions.iter().any(|known| known.topic == t) {
            d.error(
                &subscription.topic.loc,
                format!("subscriber `{who}` lists topic `{}` twice", subscription.topic.text),
            );
            continue;
        }
        let carried = &topics[t].events;
        let selected = match &subscription.events {
            None => carried.clone(),
            Some(only) => {
                let mut selected = Vec::new();
                for event in only {
                    match event_index.get(event.text.as_str()) {
                        Some(i) if carried.contains(i) => selected.push(*i),
                        _ => d.error(
                            &event.loc,
                            format!(
                                "event `{}` is not carried by topic `{}` (it carries {}){}",
                                event.text,
                                subscription.topic.text,
                                names_of(carried, events),
                                suggestion(&event.text, carried.iter().map(|&i| events[i].name.as_str()))
                            ),
                        ),
                    }
                }
                carried.iter().copied().filter(|i| selected.contains(i)).collect()
            }
        };
        subscriptions.push(plan::Subscription { topic: t, events: selected });
    }
    subscriptions
}

/// Rule `stage_outputs`: a stage publishes to known ring topics, each listed once.
fn stage_outputs(
    topology: &Topology,
    subscriber: &SubscriberDecl,
    topics: &[plan::Topic],
    topic_index: &HashMap<&str, usize>,
    d: &mut Diagnostics,
) -> Vec<usize> {
    let who = &subscriber.name.text;
    let mut publishes = Vec::new();
    for output in &subscriber.publishes {
        match topic_index.get(output.text.as_str()) {
            Some(&t) if publishes.contains(&t) => {
                d.error(&output.loc, format!("subscriber `{who}` lists `{}` in `publishes` twice", output.text));
            }
            Some(&t) if topics[t].ring().is_none() => d.error(
                &output.loc,
                format!(
                    "stage `{who}` cannot publish to inline topic `{}`: stages publish to ring topics (`delivery = \"ring\"`); emit inline topics with their `Dispatcher`",
                    output.text
                ),
            ),
            Some(&t) => publishes.push(t),
            None if topology.rejected.contains(&output.text) => {}
            None => d.error(
                &output.loc,
                format!(
                    "unknown topic `{}` in `publishes` of `{who}`{}",
                    output.text,
                    suggestion(&output.text, topology.topics.iter().map(|t| t.name.text.as_str()))
                ),
            ),
        }
    }
    publishes
}

/// Rule `stage_inputs`: a stage reads ring topics only (its handle owns its publishers).
fn stage_inputs(
    subscriber: &SubscriberDecl,
    subscriptions: &[plan::Subscription],
    topics: &[plan::Topic],
    d: &mut Diagnostics,
) {
    let who = &subscriber.name.text;
    for subscription in subscriptions {
        if topics[subscription.topic].ring().is_none() {
            d.error(
                    &subscriber.name.loc,
                    format!(
                        "stage `{who}` reads inline topic `{}`; a stage (a subscriber that publishes) reads ring topics only, where its subscriber handle owns its publishers",
                        topics[subscription.topic].name
                    ),
                );
        }
    }
}

/// Rule `event_filter`: TOML `events = [..]` on a subscriber restricts every listed topic to
/// those events, each carried by one of them.
fn apply_event_filter(
    who: &str,
    only: &[Name],
    subscriptions: &mut [plan::Subscription],
    events: &[plan::Event],
    topics: &[plan::Topic],
    event_index: &HashMap<&str, usize>,
    d: &mut Diagnostics,
) {
    let mut wanted = Vec::new();
    for event in only {
        let carried_somewhere = event_index
            .get(event.text.as_str())
            .filter(|&&i| subscriptions.iter().any(|sub| topics[sub.topic].events.contains(&i)));
        match carried_somewhere {
            Some(&i) => wanted.push(i),
            None => {
                let listed: Vec<String> =
                    subscriptions.iter().map(|sub| format!("`{}`", topics[sub.topic].name)).collect();
                let candidates: Vec<&str> = subscriptions
                    .iter()
                    .flat_map(|sub| topics[sub.topic].events.iter().map(|&i| events[i].name.as_str()))
                    .collect();
                d.error(
                    &event.loc,
                    format!(
                        "event `{}` is not carried by topics [{}] of subscriber `{who}`{}",
                        event.text,
                        listed.join(", "),
                        suggestion(&event.text, candidates)
                    ),
                );
            }
        }
    }
    for subscription in subscriptions.iter_mut() {
        subscription.events.retain(|e| wanted.contains(e));
    }
}
