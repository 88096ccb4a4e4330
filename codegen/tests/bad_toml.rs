//! Every row of the bad-TOML table (docs/RELIABILITY.md §6.7): the exact messages, each starting
//! with `file:LINE:COL:`. The macro renders the same diagnostics (`tests/ui` pins rustc's
//! output for a few); the fuzz corpus replays these inputs too.

/// A valid event to build topics on.
const HEAD: &str = "[events.Trade]\nfields = [\"ts: u64\", \"price: f64\"]\n";

#[track_caller]
fn expect(toml: &str, messages: &[&str]) {
    let errors = hardwire_codegen::parse_and_validate("t.toml", toml.as_bytes()).expect_err("must be rejected");
    assert_eq!(errors, messages, "for:\n{toml}");
}

#[test]
fn row_2_empty() {
    expect(
        "",
        &[
            "t.toml:1:1: topology defines no topics; declare at least one (`[topics.name]` in TOML, `#[topic(..)] struct Name(Event);` in Rust)",
        ],
    );
}

#[test]
fn row_2_comments() {
    expect(
        "# nothing\n",
        &[
            "t.toml:1:1: topology defines no topics; declare at least one (`[topics.name]` in TOML, `#[topic(..)] struct Name(Event);` in Rust)",
        ],
    );
}

#[test]
fn row_3_unterminated() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"\ncapacity = 8\n"),
        &["t.toml:5:1: invalid TOML: missing comma between array elements, expected `,`"],
    );
}

#[test]
fn row_3_no_value() {
    expect(
        "[topics.a]\ncapacity = \n",
        &["t.toml:2:12: invalid TOML: string values must be quoted, expected literal string"],
    );
}

#[test]
fn row_3_header() {
    expect("[topics.a\n", &["t.toml:1:10: invalid TOML: unclosed table, expected `]`"]);
}

#[test]
fn row_4_dup_key() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\ncapacity = 16\n"),
        &["t.toml:6:1: invalid TOML: duplicate key `capacity`: each key may appear once"],
    );
}

#[test]
fn row_4_dup_table() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\n[topics.a]\n"),
        &["t.toml:6:9: invalid TOML: `[topics.a]` is defined twice; merge the two tables"],
    );
}

#[test]
fn row_5_top() {
    expect(
        &format!("{HEAD}[topic.a]\nevents = [\"Trade\"]\n"),
        &["t.toml:3:2: unknown top-level key `topic`; did you mean `topics`?"],
    );
}

#[test]
fn row_5_key() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapcity = 8\n"),
        &["t.toml:5:1: unknown key `capcity` in topic `a`; did you mean `capacity`?"],
    );
}

#[test]
fn row_6_str() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = \"8\"\n"),
        &["t.toml:5:12: `capacity` must be an integer, found string"],
    );
}

#[test]
fn row_6_float() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8.0\n"),
        &["t.toml:5:12: `capacity` must be an integer, found float"],
    );
}

#[test]
fn row_6_producers() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\nproducers = 2\n"),
        &["t.toml:6:13: `producers` must be a string, found integer"],
    );
}

#[test]
fn row_6_events() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = \"Trade\"\ncapacity = 8\n"),
        &["t.toml:4:10: `events` must be an array of strings, found string; write `events = [\"...\"]`"],
    );
}

#[test]
fn row_7_zero() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 0\n"),
        &["t.toml:5:12: capacity must be a power of two ≥ 2, found 0; the smallest is 2"],
    );
}

#[test]
fn row_7_six() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 6\n"),
        &["t.toml:5:12: capacity must be a power of two ≥ 2, found 6; nearest: 4 or 8"],
    );
}

#[test]
fn row_7_neg() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = -8\n"),
        &["t.toml:5:12: capacity must be a power of two ≥ 2, found -8; the smallest is 2"],
    );
}

#[test]
fn row_8_u64() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 18446744073709551616\n"),
        &["t.toml:5:12: `capacity`: integer out of range (TOML integers are 64-bit signed)"],
    );
}

#[test]
fn row_8_i64() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 9223372036854775808\n"),
        &["t.toml:5:12: `capacity`: integer out of range (TOML integers are 64-bit signed)"],
    );
}

#[test]
fn row_9_big() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 2147483648\n"),
        &["t.toml:5:12: topic `a`: capacity 2147483648 exceeds the maximum of 1073741824 slots (2^30)"],
    );
}

#[test]
fn row_10_overflow() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\noverflow = \"Overwrite\"\n"),
        &[
            "t.toml:6:12: `overflow` must be one of `overwrite`, `backpressure`; found `Overwrite`; did you mean `overwrite`? (values are case-sensitive)",
        ],
    );
}

#[test]
fn row_10_drop() {
    expect(
        &format!(
            "{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\noverflow = \"drop\"\nproducers = \"many\"\ndelivery = \"async\"\n"
        ),
        &[
            "t.toml:6:12: `overflow` must be one of `overwrite`, `backpressure`; found `drop`",
            "t.toml:7:13: `producers` must be one of `single`, `multi`; found `many`",
            "t.toml:8:12: `delivery` must be one of `ring`, `inline`; found `async`",
        ],
    );
}

#[test]
fn row_11_names() {
    expect(
        &format!(
            "{HEAD}[topics.\"market-data\"]\nevents = [\"Trade\"]\ncapacity = 8\n[events.fn]\nrust = \"crate::X\"\n[subscribers.\"1st\"]\ntopics = [\"a\"]\n[events.\"\"]\nrust = \"crate::Y\"\n"
        ),
        &[
            "t.toml:6:9: `fn` is a Rust keyword and cannot name an item; rename it",
            "t.toml:10:9: a name cannot be empty",
            "t.toml:3:9: `market-data` is not a valid Rust identifier: use ASCII letters, digits and `_`, not starting with a digit; did you mean `market_data`?",
            "t.toml:8:14: `1st` is not a valid Rust identifier: use ASCII letters, digits and `_`, not starting with a digit",
        ],
    );
}

#[test]
fn row_12_collide() {
    expect(
        &format!(
            "{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\n[subscribers.trade_log]\ntopics = [\"a\"]\n[subscribers.TradeLog]\ntopics = [\"a\"]\n"
        ),
        &[
            "t.toml:8:14: subscriber `TradeLog` collides with subscriber `trade_log` (both generate `TradeLog`); rename one",
        ],
    );
}

#[test]
fn row_12_methods() {
    expect(
        "[events.TradeLog]\nrust = \"crate::A\"\n[events.Trade_Log]\nrust = \"crate::B\"\n[topics.a]\nevents = [\"TradeLog\"]\ncapacity = 8\n",
        &[
            "t.toml:3:9: event `Trade_Log` collides with `TradeLog` (both generate handler method `on_trade_log`); rename one",
        ],
    );
}

#[test]
fn row_13_unknown() {
    expect(
        &format!(
            "{HEAD}[events.Quote]\nfields = [\"ts: u64\"]\n[topics.market_data]\nevents = [\"Quot\"]\ncapacity = 8\n[subscribers.s]\ntopics = [\"market_dat\"]\n[subscribers.t]\ntopics = [\"market_data\"]\nevents = [\"Trade\"]\n"
        ),
        &[
            "t.toml:6:11: unknown event `Quot` in topic `market_data`; did you mean `Quote`?",
            "t.toml:9:11: unknown topic `market_dat` in subscriber `s`; did you mean `market_data`?",
            "t.toml:12:11: event `Trade` is not carried by topics [`market_data`] of subscriber `t`",
        ],
    );
}

#[test]
fn row_14_both() {
    expect(
        "[events.Quote]\nfields = [\"ts: u64\"]\nrust = \"crate::Quote\"\n[events.Trade]\n[topics.a]\nevents = [\"Quote\"]\ncapacity = 8\n",
        &[
            "t.toml:1:9: event `Quote` must have exactly one of `fields` (declare it here) or `rust` (an existing type)",
            "t.toml:4:9: event `Trade` must have exactly one of `fields` (declare it here) or `rust` (an existing type)",
        ],
    );
}

#[test]
fn row_15_fields() {
    expect(
        "[events.X]\nfields = [\"ts u64\", \"a: String\", \"b: u64\", \"b: u64\", \"c: [u8; 0]\", \"r#type: u8\", \"d: &u8\"]\n[topics.a]\nevents = [\"X\"]\ncapacity = 8\n",
        &[
            "t.toml:2:11: field `ts u64` of event `X` must be written \"name: type\", e.g. \"ts: u64\"",
            "t.toml:2:21: field `a` of event `X` has non-Pod type `String`; use plain integers, floats, or fixed-size arrays of them",
            "t.toml:2:44: duplicate field `b` in event `X`",
            "t.toml:2:54: field `c` of event `X` has type `[u8; 0]`, which has zero size; remove the field",
            "t.toml:2:68: field of event `X`: `r#type` is not a valid Rust identifier: use ASCII letters, digits and `_`, not starting with a digit; did you mean `r_type`?",
            "t.toml:2:82: field `d` of event `X` has type `&u8`; events are plain data and cannot hold references or pointers",
        ],
    );
}

#[test]
fn row_16_padding_is_inserted_not_required() {
    // Implicit padding used to be an error asking for `_pad` fields; the macro now inserts
    // them itself, named after where they sit, so the event is Pod as declared.
    let plan = hardwire_codegen::parse_and_validate(
        "t.toml",
        b"[events.X]\nfields = [\"a: u8\", \"b: u64\"]\n[events.Y]\nfields = [\"a: u64\", \"b: u16\"]\n[topics.a]\nevents = [\"X\", \"Y\"]\ncapacity = 8\n",
    )
    .expect("padded, not rejected");
    let fields = |e: usize| -> Vec<(String, String, bool)> {
        plan.events[e]
            .fields
            .as_ref()
            .unwrap()
            .iter()
            .map(|f| {
                let ty = &f.ty;
                (f.name.to_string(), quote::quote!(#ty).to_string().replace(' ', ""), f.padding)
            })
            .collect()
    };
    let own = |name: &str, ty: &str| (name.to_owned(), ty.to_owned(), false);
    let pad = |name: &str, ty: &str| (name.to_owned(), ty.to_owned(), true);
    assert_eq!(fields(0), [own("a", "u8"), pad("_pad_after_a", "[u8;7usize]"), own("b", "u64")]);
    assert_eq!(fields(1), [own("a", "u64"), own("b", "u16"), pad("_pad_end", "[u8;6usize]")]);
    assert_eq!((plan.event_size(0), plan.event_size(1)), (Some(16), Some(16)));
}

#[test]
fn row_16_a_field_named_like_inserted_padding() {
    expect(
        "[events.X]\nfields = [\"a: u64\", \"_pad_end: u16\"]\n[topics.a]\nevents = [\"X\"]\ncapacity = 8\n",
        &[
            "t.toml:2:21: event `X`: the field name `_pad_end` is the one hardwire gives the padding it inserts there; rename the field",
        ],
    );
}

#[test]
fn row_18_empty_fields() {
    assert!(
        hardwire_codegen::parse_and_validate(
            "t.toml",
            "[events.Ping]\nfields = []\n[topics.a]\nevents = [\"Ping\"]\ncapacity = 8\n".as_bytes()
        )
        .is_ok()
    );
}

#[test]
fn row_19_empty() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = []\ncapacity = 8\n[subscribers.s]\ntopics = []\n"),
        &[
            "t.toml:4:10: topic `a` carries no events; list them: `events = [\"EventName\", ..]`",
            "t.toml:7:10: subscriber `s` subscribes to nothing; list its topics: `topics = [\"topic\"]`",
        ],
    );
}

#[test]
fn row_20_inline() {
    expect(
        &format!(
            "{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\ndelivery = \"inline\"\noverflow = \"backpressure\"\nproducers = \"multi\"\n"
        ),
        &[
            "t.toml:5:12: `capacity` has no meaning for inline topic `a` (`delivery = \"inline\"` has no ring); remove it",
            "t.toml:7:12: topic `a`: `overflow = \"backpressure\"` cannot be combined with `delivery = \"inline\"`: inline delivery calls every handler before `emit` returns, so nothing ever queues",
            "t.toml:8:13: topic `a`: `producers = \"multi\"` cannot be combined with `delivery = \"inline\"`: an inline dispatcher runs on its caller's thread with `&mut` handlers",
        ],
    );
}

#[test]
fn row_20_nocap() {
    expect(
        &format!("{HEAD}[topics.a]\nevents = [\"Trade\"]\n"),
        &["t.toml:3:9: ring topic `a` needs a capacity: add `capacity = 1024` (a power of two ≥ 2)"],
    );
}

#[test]
fn row_21_crlf() {
    expect(
        &format!("{HEAD}[topics.a]\r\nevents = [\"Trade\"]\r\ncapacity = 6\r\n"),
        &["t.toml:5:12: capacity must be a power of two ≥ 2, found 6; nearest: 4 or 8"],
    );
}

#[test]
fn row_21_bom() {
    expect(
        "\u{feff}[topics.a]\nevents = [\"Nope\"]\ncapacity = 8\n",
        &[
            "t.toml:2:11: unknown event `Nope` in topic `a`; declare it with `[events.Nope]` (TOML) or name its type in a topic (Rust)",
        ],
    );
}

#[test]
fn row_cycle() {
    expect(
        &format!(
            "{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\noverflow = \"backpressure\"\n[topics.b]\nevents = [\"Trade\"]\ncapacity = 8\noverflow = \"backpressure\"\n[subscribers.x]\ntopics = [\"a\"]\npublishes = [\"b\"]\n[subscribers.y]\ntopics = [\"b\"]\npublishes = [\"a\"]\n"
        ),
        &[
            "t.toml:13:14: stages form a cycle through backpressure topics (`x` → [b] → `y` → [a] → `x`), which can deadlock once the rings fill; make one of those topics `overflow = \"overwrite\"`",
        ],
    );
}

#[test]
fn row_21_invalid_utf8_and_nul_are_located() {
    assert_eq!(
        hardwire_codegen::parse_and_validate("t.toml", b"a = \"\xff\"").unwrap_err(),
        ["t.toml:1:6: the topology file is not valid UTF-8 from here on"]
    );
    assert_eq!(
        hardwire_codegen::parse_and_validate("t.toml", b"x = 1\n\0").unwrap_err(),
        ["t.toml:2:1: a NUL byte is not allowed in a topology file"]
    );
}

/// Row 22: hostile sizes finish, with an error or success, without overflowing a small stack.
#[test]
fn row_22_hostile_sizes_are_bounded() {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let deep = format!("a = {}1{}\n", "{ b = ".repeat(10_000), " }".repeat(10_000));
            assert!(hardwire_codegen::parse_and_validate("t.toml", deep.as_bytes()).is_err());

            let mut many = String::from(HEAD);
            for i in 0..100_000 {
                many.push_str(&format!("[topics.t{i}]\nevents = [\"Trade\"]\ncapacity = 2\n"));
            }
            let plan = hardwire_codegen::parse_and_validate("t.toml", many.as_bytes()).unwrap();
            assert_eq!(plan.topics.len(), 100_000);

            let mut big = String::from(HEAD);
            big.push_str("[topics.a]\nevents = [\"Trade\"]\ncapacity = 2\n");
            big.push_str(&"# padding padding padding padding padding padding padding padding\n".repeat(160_000));
            assert!(big.len() > 10_000_000);
            assert!(hardwire_codegen::parse_and_validate("t.toml", big.as_bytes()).is_ok());
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn optional_must_be_a_boolean() {
    expect(
        &format!(
            "{HEAD}[topics.a]\nevents = [\"Trade\"]\ncapacity = 8\n[subscribers.s]\ntopics = [\"a\"]\noptional = \"yes\"\n"
        ),
        &["t.toml:8:12: `optional` must be a boolean, found string; write `optional = true`"],
    );
}

#[test]
fn a_subscriber_named_like_a_shared_bus_publisher_accessor() {
    expect(
        &format!(
            "{HEAD}[topics.ticks]\nevents = [\"Trade\"]\ncapacity = 8\n[subscribers.ticks_publisher]\ntopics = [\"ticks\"]\n"
        ),
        // `SharedBus` has `ticks_publisher()` for the topic, and would for the subscriber.
        &[
            "t.toml:6:14: subscriber `ticks_publisher` collides with topic `ticks` (both generate `ticks_publisher`); rename one",
        ],
    );
}

/// A topic carrying `Reading`, whose fields use the enums under test.
const ENUM_TAIL: &str =
    "[events.Reading]\nfields = [\"unit: Unit\", \"value: f32\"]\n[topics.r]\nevents = [\"Reading\"]\ncapacity = 8\n";

#[test]
fn enums_are_checked() {
    expect(
        &format!("[enums.Unit]\nrepr = \"i8\"\nvariants = [\"C\"]\n{ENUM_TAIL}"),
        &["t.toml:2:8: `repr` of enum `Unit` must be one of \"u8\", \"u16\" or \"u32\", found \"i8\""],
    );
    expect(
        &format!("[enums.Unit]\nrepr = \"u8\"\n{ENUM_TAIL}"),
        &[
            "t.toml:1:8: enum `Unit` needs its variants: `variants = [\"A\", \"B\"]` (numbered from 0) or `variants = { A = 1, B = 2 }`",
        ],
    );
    expect(
        &format!("[enums.Unit]\nvariants = []\n{ENUM_TAIL}"),
        &["t.toml:2:12: enum `Unit` has no variants; list at least one"],
    );
    expect(
        &format!("[enums.Unit]\nvariants = \"C\"\n{ENUM_TAIL}"),
        &[
            "t.toml:2:12: `variants` of enum `Unit` must be an array of names or a table of names and values, found string; write `variants = [\"A\", \"B\"]` or `variants = { A = 1, B = 2 }`",
        ],
    );
    expect(
        &format!("[enums.Unit]\nvariants = {{ C = 1, K = 256 }}\n{ENUM_TAIL}"),
        &[
            "t.toml:2:25: variant `K` of enum `Unit` has value 256, outside `u8` (0..=255); change the value or widen `repr`",
        ],
    );
    expect(
        &format!("[enums.Unit]\nvariants = {{ C = 1, K = -1 }}\n{ENUM_TAIL}"),
        &[
            "t.toml:2:25: variant `K` of enum `Unit` has value -1, outside `u8` (0..=255); change the value or widen `repr`",
        ],
    );
    expect(
        &format!("[enums.Unit]\nvariants = {{ C = 1, K = 1 }}\n{ENUM_TAIL}"),
        &["t.toml:2:25: variants `C` and `K` of enum `Unit` have the same value 1; give each its own"],
    );
    expect(
        &format!("[enums.Unit]\nvariants = [\"C\", \"C\"]\n{ENUM_TAIL}"),
        &["t.toml:2:18: variant `C` is listed twice in enum `Unit`"],
    );
    expect(
        &format!("[enums.Unit]\nvariants = [\"C\", \"no way\"]\n{ENUM_TAIL}"),
        &[
            "t.toml:2:18: variant of enum `Unit`: `no way` is not a valid Rust identifier: use ASCII letters, digits and `_`, not starting with a digit; did you mean `no_way`?",
        ],
    );
    expect(
        &format!("[enums.Unit]\nvariants = [\"C\"]\nvalues = 3\n{ENUM_TAIL}"),
        &["t.toml:3:1: unknown key `values` in enum `Unit`; expected one of `repr`, `variants`, `doc`"],
    );
    expect(
        &format!("[enums.Reading]\nvariants = [\"C\"]\n[enums.Unit]\nvariants = [\"C\"]\n{ENUM_TAIL}"),
        &[
            "t.toml:5:9: `Reading` is declared twice (as enum and as event); events, topics and subscribers share one namespace",
        ],
    );
    expect(
        &format!("[enums.Bus]\nvariants = [\"C\"]\n[enums.Unit]\nvariants = [\"C\"]\n{ENUM_TAIL}"),
        &["t.toml:1:8: `Bus` is a name the generated bus uses itself; rename the enum"],
    );
    expect(
        &format!("[enum.Unit]\nvariants = [\"C\"]\n{ENUM_TAIL}"),
        &["t.toml:1:2: unknown top-level key `enum`; did you mean `enums`?"],
    );
}

#[test]
fn enum_fields_are_laid_out_and_padded() {
    let toml = "[enums.Unit]\nrepr = \"u16\"\nvariants = [\"C\", \"K\"]\n[events.Reading]\nfields = [\"unit: Unit\", \"value: f32\", \"flag: Flag\"]\n[enums.Flag]\nvariants = { On = 1 }\n[topics.r]\nevents = [\"Reading\"]\ncapacity = 8\n";
    let plan = hardwire_codegen::parse_and_validate("t.toml", toml.as_bytes()).expect("valid");
    let fields: Vec<String> = plan.events[0].fields.as_ref().unwrap().iter().map(|f| f.name.to_string()).collect();
    assert_eq!(fields, ["unit", "_pad_after_unit", "value", "flag", "_pad_end"]);
    assert_eq!(plan.event_size(0), Some(12));
    assert_eq!(plan.enums[0].variants.iter().map(|(_, v)| *v).collect::<Vec<_>>(), [0, 1]);
}

/// A bridged topic (`bridge = ".."`) over `[bridges.*]`: credentials refused in the file,
/// unknown engines and keys, a missing or foreign url, an undeclared engine, an inline topic.
#[test]
fn bridges() {
    let topic = "[topics.t]\nevents = [\"Trade\"]\ncapacity = 8\n";
    expect(
        &format!("{HEAD}[bridges.nats]\nurl = \"nats://h:4222\"\ntoken = \"x\"\n{topic}bridge = \"nats\"\n"),
        &[
            "t.toml:5:1: `token` does not belong in a topology file, which is committed and compiled into binaries; set `HARDWIRE_NATS_TOKEN` in the environment, or pass it to the bridge's `Connect` at run time",
        ],
    );
    expect(
        &format!("{HEAD}[bridges.nat]\nurl = \"nats://h:4222\"\n{topic}"),
        &["t.toml:3:10: unknown bridge `[bridges.nat]`: the engines are `nats` and `redis`; did you mean `nats`?"],
    );
    expect(
        &format!("{HEAD}[bridges.redis]\nurl = \"redis://h\"\nstream = \"s\"\n{topic}"),
        &["t.toml:5:1: unknown key `stream` in `[bridges.redis]`; it has `url`"],
    );
    expect(
        &format!("{HEAD}[bridges.redis]\n{topic}bridge = \"redis\"\n"),
        &["t.toml:3:10: `[bridges.redis]` needs the engine's address: `url = \"redis://127.0.0.1:6379\"`"],
    );
    expect(
        &format!("{HEAD}[bridges.redis]\nurl = \"http://h\"\n{topic}bridge = \"redis\"\n"),
        &[
            "t.toml:4:7: `http://h` is no redis address: it must start with one of `redis://`, `rediss://`, `redis+unix://`, `unix://`, as in `redis://127.0.0.1:6379`",
        ],
    );
    expect(
        &format!("{HEAD}{topic}bridge = \"nats\"\n"),
        &[
            "t.toml:6:10: topic `t` is bridged through `nats`, which is not declared; add `[bridges.nats] url = \"nats://127.0.0.1:4222\"` (TOML) or `#[hardwire::bus(nats = \"..\")]` (Rust)",
        ],
    );
    expect(
        &format!("{HEAD}{topic}bridge = \"NATS\"\n"),
        &[
            "t.toml:6:10: `bridge` must be one of `nats`, `redis`; found `NATS`; did you mean `nats`? (values are case-sensitive)",
        ],
    );
    expect(
        &format!(
            "{HEAD}[bridges.nats]\nurl = \"nats://h\"\n[topics.t]\nevents = [\"Trade\"]\ndelivery = \"inline\"\nbridge = \"nats\"\n"
        ),
        &[
            "t.toml:8:10: topic `t`: `bridge = \"nats\"` needs a ring (`delivery = \"ring\"`): the bridge drains the topic's ring on its own task, and an inline topic has none",
        ],
    );
}

#[test]
fn a_bridged_topic_reserves_the_bridges_record_after_the_declared_subscribers() {
    let toml = format!(
        "{HEAD}[bridges.nats]\nurl = \"tls://h:4222\"\n[topics.t]\nevents = [\"Trade\"]\ncapacity = 8\nbridge = \"nats\"\n[subscribers.a]\ntopics = [\"t\"]\noptional = true\n[subscribers.b]\ntopics = [\"t\"]\n"
    );
    let plan = hardwire_codegen::parse_and_validate("t.toml", toml.as_bytes()).expect("valid");
    let ring = plan.topics[0].ring().unwrap();
    assert_eq!(ring.reserved, 2, "b and the bridge");
    assert_eq!(ring.bridge_record(), Some(1));
    assert_eq!(ring.records, [2, 0], "a (optional) after the bridge, b first");
    assert_eq!(ring.bridge.as_ref().map(|bridge| bridge.url.as_str()), Some("tls://h:4222"));
}

#[test]
fn credentials_in_a_bridge_table_name_the_variable_that_holds_them() {
    let topic = "[topics.t]\nevents = [\"Trade\"]\ncapacity = 8\n";
    expect(
        &format!("{HEAD}[bridges.redis]\nurl = \"rediss://h\"\nusername = \"u\"\ntls = true\n{topic}"),
        &[
            "t.toml:5:1: `username` does not belong in a topology file, which is committed and compiled into binaries; set `HARDWIRE_REDIS_USER` in the environment, or pass it to the bridge's `Connect` at run time",
            "t.toml:6:1: `tls` does not belong in a topology file, which is committed and compiled into binaries; set `HARDWIRE_REDIS_CA`, `HARDWIRE_REDIS_CERT` and `HARDWIRE_REDIS_KEY` in the environment, or pass it to the bridge's `Connect` at run time",
        ],
    );
}
