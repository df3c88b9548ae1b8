//! How long a bounty's scoring takes on a real dev node: blocks and seconds from the close of the
//! reveal phase (the block that draws the evaluators) to final scores (the block whose tally fixes
//! every score), for 1, 10 and 32 submissions (the most a bounty takes, `MaxSubmissions`) of the
//! digits model on 1,000 and 10,000 test samples, scored by the node's own off-chain worker (the
//! dev chain's one evaluator, quorum 1). Trainers are accounts `//Trainer<i>` funded first.
//! With `MODELCHAIN_LOAD_PORT` it measures a running network instead (`scripts/bounty-latency.sh
//! --zombienet`: the four validators, three evaluators drawn, quorum 2), without the nodes' own
//! timings, which are in their logs.
//!
//! A measurement, not a test of speed: it is ignored by `cargo test` and run by
//! `scripts/bounty-latency.sh`, which prints a table. It still asserts what must hold (every
//! score is the digits model's true accuracy on the test set), so a wrong run cannot print a
//! plausible figure.

mod common;

use std::time::Duration;

use common::{bounty::*, *};
use polkadot_sdk::sp_keyring::Sr25519Keyring as K;

#[test]
#[ignore = "a measurement: run by scripts/bounty-latency.sh"]
fn bounty_scoring_latency() {
	// `MODELCHAIN_OFFCHAIN_ENGINE=runtime` scores in the runtime's wasm engine instead of the
	// node's native one (`--offchain-engine`).
	let engine = std::env::var("MODELCHAIN_OFFCHAIN_ENGINE").unwrap_or_else(|_| "native".into());
	let mut node = None;
	let rpc = match std::env::var("MODELCHAIN_LOAD_PORT") {
		Ok(port) => Rpc { port: port.parse().expect("MODELCHAIN_LOAD_PORT is a port") },
		Err(_) => node.insert(DevNode::start(&["--offchain-engine", &engine])).rpc(),
	};
	rpc.wait_for_best(1, Duration::from_secs(60));
	fund_trainers(&rpc);
	// `MODELCHAIN_BOUNTY_ROWS="1x1000,32x10000"` measures only those (submissions x samples).
	let all = [(1, 1_000), (10, 1_000), (MAX_SUBMISSIONS, 1_000), (1, 10_000), (10, 10_000), (MAX_SUBMISSIONS, 10_000)];
	let wanted: Vec<(usize, usize)> = match std::env::var("MODELCHAIN_BOUNTY_ROWS") {
		Ok(rows) => rows
			.split(',')
			.map(|r| {
				let (s, n) = r.split_once('x').expect("rows look like 10x1000");
				(s.trim().parse().unwrap(), n.trim().parse().unwrap())
			})
			.collect(),
		Err(_) => all.to_vec(),
	};
	let mut rows = Vec::new();
	for (submissions, samples) in wanted {
		assert!(submissions <= MAX_SUBMISSIONS, "a bounty takes at most {MAX_SUBMISSIONS} submissions");
		let evaluator = K::AliceStash.to_account_id();
		let on_network = node.is_none();
		let Scoring { closed, scored, seconds, cost, .. } = run_bounty(&rpc, submissions, samples, |drawn| {
			if !on_network {
				assert_eq!(drawn, [evaluator], "the dev chain's one evaluator is drawn")
			}
		});
		let blocks = scored - closed;
		println!("measured: {submissions} submissions x {samples} samples: {blocks} blocks, {seconds:.1} s");
		rows.push((submissions, samples, cost, blocks, seconds));
	}
	println!("\n| submissions | test samples | evaluation cost | blocks | seconds |");
	println!("|---:|---:|---:|---:|---:|");
	for (submissions, samples, cost, blocks, seconds) in rows {
		println!("| {submissions} | {samples} | {cost:.1e} | {blocks} | {seconds:.1} |", cost = cost as f64);
	}
	let Some(node) = node else { return };
	// The evaluator's own account, on either engine: every off-chain run that scored logs
	// "bounty <id>: scored <chunks> test chunks (<samples> samples) in the <engine> engine:
	// <cost> cost units in <ms> ms", timed by the off-chain clock (whole milliseconds, blob
	// fetches included).
	let (mut cost, mut millis, mut runs) = (0u128, 0u128, 0);
	let ran_in = if engine == "runtime" { "in the runtime's engine" } else { "in the native engine" };
	// (The native engine's summary line also counts "test chunks (": only the scorer's own.)
	for line in node.log_lines_with(": scored ").iter().filter(|l| l.contains(" cost units in ")) {
		assert!(line.contains(ran_in), "scored {ran_in} as asked: {line}");
		let numbers: Vec<u128> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
		if let [.., c, ms] = numbers[..] {
			cost += c;
			millis += ms;
			runs += 1;
		}
	}
	assert!(runs > 0, "the evaluator logged its scoring runs");
	println!(
		"\noff-chain scoring in the node, {engine} engine, as the runtime timed it: {cost} cost units in {runs} runs, \
		 {:.3} s: {:.2} G cost units/s",
		millis as f64 / 1e3,
		cost as f64 / millis.max(1) as f64 / 1e6
	);
	// The native engine's own account of the same: every run's summary line ends with
	// "<cost> cost units in <µs> µs".
	let (mut cost, mut micros) = (0u128, 0u128);
	for line in node.log_lines_with("off-chain inference ran natively") {
		let numbers: Vec<u128> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
		if let [.., c, us] = numbers[..] {
			cost += c;
			micros += us;
		}
	}
	println!(
		"\noff-chain inference in the node, native path: {cost} cost units in {:.3} s: {:.2} G cost units/s",
		micros as f64 / 1e6,
		cost as f64 / micros.max(1) as f64 / 1e3
	);
}
