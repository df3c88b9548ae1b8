//! Faults on the four-validator network that zombienet spawns (`scripts/faults.sh`): a validator
//! paused (SIGSTOP) and resumed while predictions keep coming, and an evaluator's node killed
//! (`kill -9`) and restarted on its base path while it scores a bounty. Each prints how long
//! finality, the prediction quorum and the bounty's scoring took to recover.
//!
//! A measurement, not a test of speed: ignored by `cargo test`. It reads the network from
//! zombienet's `zombie.json` (`MODELCHAIN_ZOMBIE_DIR`) and finds each node's process by its RPC
//! port. It still asserts what must hold: finality continues with three of four validators,
//! every prediction accepted during the pause settles with a result, the paused and the
//! restarted node catch up, and every bounty score is right.

mod common;

use std::{
	collections::{BTreeMap, BTreeSet},
	fs,
	path::PathBuf,
	process::{Command, Stdio},
	time::{Duration, Instant},
};

use common::{bounty::*, *};
use modelchain_runtime::{
	genesis_config_presets::{DEMO_MODEL_FEE, WORKER_FEE},
	AccountId, RuntimeCall, RuntimeEvent,
};
use pallet_ml_predictions::{Event as P, RequestId};
use polkadot_sdk::sp_keyring::Sr25519Keyring as K;
use serde_json::Value;

/// One node of the network: its RPC, its process and how it was started.
struct NetNode {
	name: String,
	rpc: Rpc,
	pid: u32,
	cmdline: Vec<String>,
}

impl NetNode {
	fn signal(&self, signal: &str) {
		let status = Command::new("kill").args([signal, &self.pid.to_string()]).status().unwrap();
		assert!(status.success(), "kill {signal} {} ({})", self.pid, self.name);
	}

	/// `kill -9`, then the same command line again (same base path, keys, ports), its output
	/// appended to `<dir>/<name>.restarted.log`.
	fn kill_and_restart(&mut self, down: Duration, dir: &std::path::Path) {
		self.signal("-KILL");
		// Reaped by zombienet (its parent); wait until the process is gone.
		while PathBuf::from(format!("/proc/{}", self.pid)).exists() && !is_zombie(self.pid) {
			std::thread::sleep(Duration::from_millis(50));
		}
		std::thread::sleep(down);
		let log = fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(dir.join(format!("{}.restarted.log", self.name)))
			.unwrap();
		let child = Command::new(&self.cmdline[0])
			.args(&self.cmdline[1..])
			.stdout(Stdio::from(log.try_clone().unwrap()))
			.stderr(Stdio::from(log))
			.spawn()
			.expect("the node restarts");
		self.pid = child.id();
		// Dropping `child` does not kill it: the node outlives the measurement, zombienet's
		// teardown in faults.sh stops it with the others.
	}
}

fn is_zombie(pid: u32) -> bool {
	fs::read_to_string(format!("/proc/{pid}/stat")).map(|s| s.contains(") Z ")).unwrap_or(true)
}

/// Every node in `zombie.json`, matched to its process by `--rpc-port`.
fn network(dir: &std::path::Path) -> BTreeMap<String, NetNode> {
	let zombie: Value = serde_json::from_slice(&fs::read(dir.join("zombie.json")).expect("zombie.json")).unwrap();
	let mut processes = Vec::new();
	for entry in fs::read_dir("/proc").unwrap().flatten() {
		let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
		let Ok(raw) = fs::read(entry.path().join("cmdline")) else { continue };
		let args: Vec<String> =
			raw.split(|&b| b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into()).collect();
		if args.first().is_some_and(|a| a.ends_with("modelchain-node")) {
			processes.push((pid, args));
		}
	}
	let nodes = zombie["nodesByName"].as_object().expect("nodesByName");
	nodes
		.iter()
		.map(|(name, node)| {
			let uri = node["wsUri"].as_str().unwrap();
			let port: u16 = uri.rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap();
			let (pid, cmdline) = processes
				.iter()
				.find(|(_, args)| args.windows(2).any(|w| w[0] == "--rpc-port" && w[1] == port.to_string()))
				.cloned()
				.unwrap_or_else(|| panic!("no modelchain-node process with --rpc-port {port} ({name})"));
			(name.clone(), NetNode { name: name.clone(), rpc: Rpc { port }, pid, cmdline })
		})
		.collect()
}

/// Polls `f` every 0.5 s until it holds; the time it took.
fn time_until(timeout: Duration, what: &str, mut f: impl FnMut() -> bool) -> Duration {
	let start = Instant::now();
	while !f() {
		assert!(start.elapsed() < timeout, "{what} did not happen within {timeout:?}");
		std::thread::sleep(Duration::from_millis(500));
	}
	start.elapsed()
}

/// The finalized and best heads a node reports, `None` while it does not answer.
fn heads(rpc: &Rpc) -> Option<(u32, u32)> {
	let fin = rpc.try_call("chain_getFinalizedHead", serde_json::json!([])).ok()?;
	let fin = rpc.try_call("chain_getHeader", serde_json::json!([fin])).ok()?;
	let best = rpc.try_call("chain_getHeader", serde_json::json!([])).ok()?;
	Some((header_number(&fin), header_number(&best)))
}

/// Samples `rpc`'s heads every 0.5 s for `span`; returns the longest time the finalized head
/// stood still and the blocks finalized.
fn watch_finality(rpc: &Rpc, span: Duration) -> (Duration, u32) {
	let start = Instant::now();
	let (first, _) = heads(rpc).expect("the watching node answers");
	let (mut last, mut since, mut longest) = (first, Instant::now(), Duration::ZERO);
	while start.elapsed() < span {
		std::thread::sleep(Duration::from_millis(500));
		let (fin, _) = heads(rpc).expect("the watching node answers");
		if fin > last {
			last = fin;
			since = Instant::now();
		}
		longest = longest.max(since.elapsed());
	}
	(longest, last - first)
}

/// Requests made, and their outcome blocks, between `from` and the finalized head.
fn prediction_outcomes(rpc: &Rpc, from: u32) -> (BTreeMap<RequestId, u32>, BTreeMap<RequestId, (u32, bool)>) {
	let (mut made, mut settled) = (BTreeMap::new(), BTreeMap::new());
	for n in from..=rpc.finalized_number() {
		for r in rpc.events(rpc.block_hash(n)) {
			match r.event {
				RuntimeEvent::MlPredictions(P::PredictionRequested { request, .. }) => {
					made.insert(request, n);
				}
				RuntimeEvent::MlPredictions(P::PredictionReady { request, .. }) => {
					settled.insert(request, (n, true));
				}
				RuntimeEvent::MlPredictions(P::PredictionFailed { request, .. }) => {
					settled.insert(request, (n, false));
				}
				_ => {}
			}
		}
	}
	(made, settled)
}

/// Offences reported against `who` in blocks `from..=to`.
fn offences(rpc: &Rpc, who: &AccountId, from: u32, to: u32) -> Vec<String> {
	(from..=to)
		.flat_map(|n| rpc.events(rpc.block_hash(n)))
		.filter_map(|r| match r.event {
			RuntimeEvent::MlStaking(pallet_ml_staking::Event::OffenceReported { who: w, reason, .. }) if w == *who => {
				Some(format!("{reason:?}"))
			}
			_ => None,
		})
		.collect()
}

fn request(rpc: &Rpc, who: K) {
	let input: Vec<i8> = (0..64).map(|j| (j * 5) as i8).collect();
	let call = RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_prediction {
		model: 0,
		input: input.try_into().unwrap(),
		max_fee: DEMO_MODEL_FEE + 3 * WORKER_FEE,
	});
	rpc.submit(who, call);
}

/// A validator (and worker) paused for `pause` while one prediction a block is requested.
/// Returns how many of the requests failed (asserted after the other fault, so both run).
fn pause_and_resume(nodes: &BTreeMap<String, NetNode>, pause: Duration) -> usize {
	let watcher = &nodes["alice"].rpc;
	let paused = &nodes["dave"];
	let from = watcher.finalized_number() + 1;
	// Predictions before, during and after the pause, from Eve (no node signs with her key).
	let stop = Instant::now() + pause + Duration::from_secs(30);
	let requester = std::thread::scope(|s| {
		let feeder = s.spawn(|| {
			let rpc = Rpc { port: watcher.port };
			let mut sent = 0;
			while Instant::now() < stop {
				request(&rpc, K::Eve);
				sent += 1;
				std::thread::sleep(Duration::from_secs(6));
			}
			sent
		});
		std::thread::sleep(Duration::from_secs(12));
		let (fin_before, best_before) = heads(watcher).unwrap();
		paused.signal("-STOP");
		let (stall, finalized) = watch_finality(watcher, pause);
		let (fin_at_resume, best_at_resume) = heads(watcher).unwrap();
		paused.signal("-CONT");
		let caught_up = time_until(Duration::from_secs(300), "the paused node catching up", || {
			heads(&paused.rpc).is_some_and(|(f, b)| b >= best_at_resume && f >= fin_at_resume)
		});
		println!(
			"\npause: dave stopped {:.0} s (alice's heads before: best #{best_before}, finalized #{fin_before}); \
			 during it {} blocks built, {finalized} finalized, longest finality stall {:.1} s; \
			 after SIGCONT dave caught up with alice's heads at resume in {:.1} s",
			pause.as_secs_f64(),
			best_at_resume - best_before,
			stall.as_secs_f64(),
			caught_up.as_secs_f64()
		);
		assert!(finalized > 0, "three of four validators keep finalizing");
		feeder.join().unwrap()
	});
	// Every request accepted settles; how long the ones made while dave slept took.
	let deadline = Instant::now() + Duration::from_secs(300);
	let (made, settled) = loop {
		let (made, settled) = prediction_outcomes(watcher, from);
		if made.keys().all(|r| settled.contains_key(r)) {
			break (made, settled);
		}
		assert!(Instant::now() < deadline, "requests never settled: {made:?} / {settled:?}");
		std::thread::sleep(Duration::from_secs(2));
	};
	let blocks: Vec<u32> = made.iter().map(|(r, at)| settled[r].0 - at).collect();
	let failed = settled.values().filter(|(_, ok)| !ok).count();
	println!(
		"pause: {requester} requests sent, {} accepted, {failed} failed; blocks from request to outcome: {blocks:?}",
		made.len()
	);
	let dave = K::DaveStash.to_account_id();
	println!(
		"pause: offences reported against dave's worker: {:?}",
		offences(watcher, &dave, from, watcher.finalized_number())
	);
	failed
}

/// A bounty scored by three evaluators; the node of one of them (not alice, the watcher) is
/// killed when they are drawn and restarted after `down`.
fn kill_evaluator(nodes: &mut BTreeMap<String, NetNode>, dir: &std::path::Path, down: Duration) {
	let watcher = Rpc { port: nodes["alice"].rpc.port };
	fund_trainers(&watcher);
	let baseline = run_bounty(&watcher, 3, 1_000, |_| {});
	println!(
		"\nbounty without a fault: scored {} blocks ({:.1} s) after the evaluators were drawn",
		baseline.scored - baseline.closed,
		baseline.seconds
	);
	let names: BTreeMap<AccountId, &str> =
		[(K::AliceStash, "alice"), (K::BobStash, "bob"), (K::CharlieStash, "charlie"), (K::DaveStash, "dave")]
			.into_iter()
			.map(|(k, n)| (k.to_account_id(), n))
			.collect();
	let mut victim = None;
	let mut stall = Duration::ZERO;
	let mut back = Duration::ZERO;
	let mut synced = Duration::ZERO;
	let scoring = run_bounty(&watcher, 3, 1_000, |drawn| {
		let name = drawn.iter().map(|e| names[e]).find(|n| *n != "alice").expect("an evaluator other than alice");
		victim = Some((name.to_owned(), drawn.iter().find(|e| names[*e] == name).unwrap().clone()));
		let node = nodes.get_mut(name).unwrap();
		let killed = Instant::now();
		std::thread::scope(|s| {
			let watch = s.spawn(|| watch_finality(&watcher, down + Duration::from_secs(30)));
			node.kill_and_restart(down, dir);
			back = time_until(Duration::from_secs(120), "the restarted node's RPC", || heads(&node.rpc).is_some());
			let (fin, best) = heads(&watcher).unwrap();
			synced = time_until(Duration::from_secs(300), "the restarted node catching up", || {
				heads(&node.rpc).is_some_and(|(f, b)| b >= best && f >= fin)
			});
			stall = watch.join().unwrap().0;
		});
		println!(
			"kill: {name} killed with SIGKILL as the evaluators were drawn ({:.1} s ago), restarted after {:.0} s; \
			 its RPC answered {:.1} s after the restart, it caught up with alice's heads in {:.1} s more",
			killed.elapsed().as_secs_f64(),
			down.as_secs_f64(),
			back.as_secs_f64(),
			synced.as_secs_f64()
		);
	});
	let (name, stash) = victim.unwrap();
	let evaluated: BTreeSet<String> = (scoring.closed..=scoring.scored)
		.flat_map(|n| watcher.events(watcher.block_hash(n)))
		.filter_map(|r| match r.event {
			RuntimeEvent::MlBounties(pallet_ml_bounties::Event::ScoresRevealed { evaluator, .. }) => {
				Some(names[&evaluator].to_owned())
			}
			_ => None,
		})
		.collect();
	let later = watcher.finalized_number();
	println!(
		"kill: the bounty was scored {} blocks ({:.1} s) after the draw (without a fault: {} blocks); longest finality \
		 stall while {name} was down {:.1} s; evaluators that revealed before the tally: {evaluated:?}; offences against \
		 {name}'s worker so far: {:?}",
		scoring.scored - scoring.closed,
		scoring.seconds,
		baseline.scored - baseline.closed,
		stall.as_secs_f64(),
		offences(&watcher, &stash, scoring.closed, later)
	);
}

#[test]
#[ignore = "a measurement: run by scripts/faults.sh"]
fn network_faults() {
	let dir =
		PathBuf::from(std::env::var("MODELCHAIN_ZOMBIE_DIR").expect("MODELCHAIN_ZOMBIE_DIR: zombienet's directory"));
	let mut nodes = network(&dir);
	assert_eq!(nodes.len(), 4, "four validators");
	nodes["alice"].rpc.wait_for_best(3, Duration::from_secs(120));
	let secs = |name: &str, default: u64| {
		Duration::from_secs(std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
	};
	let failed = pause_and_resume(&nodes, secs("MODELCHAIN_FAULT_PAUSE_SECS", 60));
	kill_evaluator(&mut nodes, &dir, secs("MODELCHAIN_FAULT_DOWN_SECS", 20));
	assert_eq!(failed, 0, "with R = 3, Q = 2 two awake workers still agree while one is paused");
}
