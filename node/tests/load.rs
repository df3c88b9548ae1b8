//! Load on a real node: how long a user waits for a prediction, how many predictions a block
//! settles, and how many plain balance transfers the same node puts in a block.
//!
//! A measurement, not a test of speed: ignored by `cargo test`, run by `scripts/load.sh`, which
//! points it at a dev node it starts (quorum 1) or at a running network (`MODELCHAIN_LOAD_PORT`,
//! e.g. zombienet's `local-fast` network with R = 3, Q = 2). It still asserts what must hold
//! (every accepted request settles, every answer is the digits model's output), so a broken run
//! cannot print a plausible figure.
//!
//! Three phases, each read back block by block from the finalized chain:
//! 1. latency: `MODELCHAIN_LOAD_REQUESTS` (default 1,000) requests at a steady
//!    `MODELCHAIN_LOAD_PER_BLOCK` (default 10) a block; p50/p99 in blocks and seconds from the
//!    submission to the block with the result, and to the moment that block was seen finalized;
//! 2. prediction flood: `MODELCHAIN_LOAD_FLOOD` (default 4,096) requests in
//!    `request_predictions` batches of `MaxRequestsPerCall`, a block's worth of seats
//!    (`MaxPendingSeats / R`) made ready after each new block; the most results a block settles,
//!    and what stopped it;
//! 3. transfer flood: `MODELCHAIN_LOAD_TRANSFERS` (default 16,000) `transfer_keep_alive` made ready
//!    at once; the most a block includes, and its share of the block's weight and length.
//!
//! Before the first two phases the chain gets `MODELCHAIN_LOAD_WORKERS` (default 63; on a running
//! network 0 unless set, the keys go into the node at `MODELCHAIN_LOAD_PORT`) more workers, their
//! keys in the node's keystore, so that a block's seats spread over 64 workers (16 each, within
//! the 32 answers one submission carries): one worker alone answers at most 32 requests a block,
//! whatever the chain takes. A dev node of the measurement's own then runs `--chain dev-fast`
//! (the dev chain with short periods) so the new workers enter the draw after 10 blocks, not 100.
//!
//! "Ready at once" (transfers): each sender's transactions are submitted from its second nonce on (they wait
//! in the pool's future queue), then every sender's first: the whole batch becomes ready between
//! two blocks, so a block's count is what the block can take, not how fast RPC calls arrive.

mod common;

use std::{
	collections::HashMap,
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use codec::Decode;
use common::*;
use modelchain_runtime::{
	configs::system::{RuntimeBlockLength, RuntimeBlockWeights},
	genesis_config_presets::{DEMO_MODEL_FEE, DIGITS_MODEL},
	AccountId, Hash, Nonce, RuntimeCall, RuntimeEvent, MDC,
};
use pallet_ml_predictions::{Event as P, Parameters, Prediction, RequestId};
use polkadot_sdk::{
	frame_support::{dispatch::DispatchClass, traits::Get, BoundedVec},
	frame_system, pallet_balances,
	sp_keyring::Sr25519Keyring as K,
	sp_runtime::DispatchError,
};

/// Endowed dev accounts whose keys no node signs with: the worker keys (`//Alice` … `//Dave`)
/// sign answers with their own nonces, so they must not request too.
const SENDERS: [K; 8] =
	[K::Eve, K::Ferdie, K::AliceStash, K::BobStash, K::CharlieStash, K::DaveStash, K::EveStash, K::FerdieStash];

fn env_or(name: &str, default: usize) -> usize {
	std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A transaction the measurement follows from its submission to its inclusion.
#[derive(Default)]
struct Tracked {
	submitted_ms: u64,
	/// The block that included it.
	included: Option<u32>,
	/// The requests it asks for (a `request_predictions` batch asks for many).
	inputs: u32,
	/// Its dispatch error, if it failed.
	failed: Option<DispatchError>,
}

/// A request a tracked transaction created (`PredictionRequested`), followed to its outcome.
#[derive(Default)]
struct Request {
	/// The transaction (index into `Scan::tracked`).
	tx: usize,
	/// The block with the request's outcome, its timestamp, whether a result (not a failure),
	/// and when the scanner saw it finalized.
	settled: Option<(u32, u64, bool, u64)>,
	/// What each drawn worker did and when: to tell why a request was slower than the floor.
	trail: Vec<(u32, String)>,
}

/// A worker's stash as a person reads it: the keyring's names (`AliceStash`), `//LoadWorker<i>`
/// for the workers [`add_workers`] registers, else the address.
fn worker_name(who: &AccountId) -> String {
	use polkadot_sdk::sp_core::{sr25519, Pair as _};
	static NAMES: std::sync::OnceLock<HashMap<AccountId, String>> = std::sync::OnceLock::new();
	let names = NAMES.get_or_init(|| {
		let keyring = K::iter().map(|k| (k.to_account_id(), format!("{k:?} {}", hex_of(&k.public().0[..4]))));
		let load = (0..256).map(|i| {
			let pair = sr25519::Pair::from_string(&format!("//LoadWorker{i}"), None).unwrap();
			// With the key's first bytes, to find it in a node's log.
			(AccountId::from(pair.public()), format!("LoadWorker{i} {}", hex_of(&pair.public().0[..4])))
		});
		keyring.chain(load).collect()
	});
	names.get(who).cloned().unwrap_or_else(|| who.to_string())
}

/// `NetworkBusy` as the runtime encodes it (the pallet's index in the runtime, the variant).
fn network_busy() -> DispatchError {
	pallet_ml_predictions::Error::<common::Runtime>::NetworkBusy.into()
}

/// Per-block counts of one measurement.
#[derive(Default, Clone)]
struct Row {
	number: u32,
	/// Tracked transactions included.
	included: u32,
	/// Requests accepted (`PredictionRequested`) / rejected with `NetworkBusy`.
	requested: u32,
	busy: u32,
	/// Results (`PredictionReady`) and failures (`PredictionFailed`) of tracked requests.
	ready: u32,
	failed: u32,
	/// Answer submissions (workers' `submit_predictions`) and their answers.
	answers: u32,
	/// Balance transfers from the senders.
	transfers: u32,
	/// Share of the normal class's weight limit its transactions used, and of the length limit.
	weight_share: f64,
	length_share: f64,
	extrinsics: usize,
}

/// Reads the finalized chain block by block and matches it to the tracked transactions.
struct Scan {
	next: u32,
	tracked: Vec<Tracked>,
	by_hash: HashMap<Hash, usize>,
	requests: Vec<Request>,
	/// Index into `requests`.
	by_request: HashMap<RequestId, usize>,
	rows: Vec<Row>,
	expected: Prediction<<modelchain_runtime::Runtime as pallet_ml_predictions::Config>::MaxOutputLen>,
}

impl Scan {
	fn new(from: u32) -> Self {
		Scan {
			next: from,
			tracked: Vec::new(),
			by_hash: HashMap::new(),
			requests: Vec::new(),
			by_request: HashMap::new(),
			rows: Vec::new(),
			expected: Prediction::Class(0),
		}
	}

	fn track(&mut self, hash: Hash, t: Tracked) {
		self.by_hash.insert(hash, self.tracked.len());
		self.tracked.push(t);
	}

	/// Adds to request `id`'s trail, if it is one of ours.
	fn note(&mut self, id: RequestId, block: u32, what: impl FnOnce() -> String) {
		if let Some(&r) = self.by_request.get(&id) {
			self.requests[r].trail.push((block, what()));
		}
	}

	/// Tracked transactions not yet in a block, and requests without an outcome yet.
	fn open(&self) -> usize {
		self.tracked.iter().filter(|t| t.included.is_none()).count()
			+ self.requests.iter().filter(|r| r.settled.is_none()).count()
	}

	/// Reads every block finalized since the last call.
	fn advance(&mut self, rpc: &Rpc) {
		let finalized = rpc.finalized_number();
		let limits = RuntimeBlockWeights::get();
		let normal_max = limits.get(DispatchClass::Normal).max_total.unwrap_or(limits.max_block).ref_time() as f64;
		let length_max = *RuntimeBlockLength::get().max.get(DispatchClass::Normal) as f64;
		let seen_ms = now_ms();
		while self.next <= finalized {
			let block = rpc.block_view(self.next);
			let mut row = Row {
				number: block.number,
				weight_share: block.weight.get(DispatchClass::Normal).ref_time() as f64 / normal_max,
				length_share: block.length as f64 / length_max,
				extrinsics: block.extrinsic_hashes.len(),
				..Row::default()
			};
			let mine: HashMap<usize, usize> = block
				.extrinsic_hashes
				.iter()
				.enumerate()
				.filter_map(|(i, h)| self.by_hash.get(h).map(|&t| (i, t)))
				.collect();
			for &t in mine.values() {
				self.tracked[t].included = Some(block.number);
				row.included += 1;
			}
			for record in &block.events {
				let tracked = BlockView::extrinsic_of(record).and_then(|i| mine.get(&i).copied());
				match (&record.event, tracked) {
					(RuntimeEvent::MlPredictions(P::PredictionRequested { request, .. }), Some(t)) => {
						self.by_request.insert(*request, self.requests.len());
						self.requests.push(Request { tx: t, ..Request::default() });
						row.requested += 1;
					}
					(RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. }), Some(t)) => {
						if let (DispatchError::Module(m), DispatchError::Module(busy)) =
							(dispatch_error, network_busy())
						{
							if (m.index, m.error) == (busy.index, busy.error) {
								row.busy += self.tracked[t].inputs;
							}
						}
						self.tracked[t].failed = Some(*dispatch_error);
					}
					(RuntimeEvent::MlPredictions(P::PredictionReady { request, output, .. }), _) => {
						if let Some(&r) = self.by_request.get(request) {
							assert_eq!(output, &self.expected, "request {request}: the digits model's output");
							self.requests[r].settled = Some((block.number, block.timestamp_ms, true, seen_ms));
							row.ready += 1;
						}
					}
					(RuntimeEvent::MlPredictions(P::PredictionFailed { request, missed, .. }), _) => {
						self.note(*request, block.number, || {
							let names: Vec<_> = missed.iter().map(worker_name).collect();
							format!("failed, missed by {names:?}")
						});
						if let Some(&r) = self.by_request.get(request) {
							self.requests[r].settled = Some((block.number, block.timestamp_ms, false, seen_ms));
							row.failed += 1;
						}
					}
					(RuntimeEvent::MlPredictions(P::AnswerSubmitted { request, worker }), _) => {
						row.answers += 1;
						let tx = BlockView::extrinsic_of(record).and_then(|i| block.extrinsic_hashes.get(i));
						self.note(*request, block.number, || format!("{} revealed (tx {tx:?})", worker_name(worker)));
					}
					(RuntimeEvent::MlPredictions(P::AnswerCommitted { request, worker }), _) => {
						row.answers += 1;
						let tx = BlockView::extrinsic_of(record).and_then(|i| block.extrinsic_hashes.get(i));
						self.note(*request, block.number, || format!("{} committed (tx {tx:?})", worker_name(worker)));
					}
					(RuntimeEvent::MlPredictions(P::AnswerRejected { request, worker, reason }), _) => {
						self.note(*request, block.number, || format!("{} rejected: {reason:?}", worker_name(worker)));
					}
					(RuntimeEvent::MlPredictions(P::WorkersAssigned { request, workers, deadline }), _) => {
						self.note(*request, block.number, || {
							let names: Vec<_> = workers.iter().map(worker_name).collect();
							format!("drawn {names:?}, deadline #{deadline}")
						});
					}
					(RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, .. }), Some(_))
						if SENDERS.iter().any(|k| k.to_account_id() == *from) =>
					{
						row.transfers += 1;
					}
					_ => {}
				}
			}
			self.rows.push(row);
			self.next += 1;
		}
	}

	/// Scans until every tracked transaction has an outcome.
	fn settle(&mut self, rpc: &Rpc, timeout: Duration) {
		let deadline = Instant::now() + timeout;
		loop {
			self.advance(rpc);
			if self.open() == 0 {
				return;
			}
			assert!(Instant::now() < deadline, "{} tracked transactions never settled", self.open());
			std::thread::sleep(Duration::from_millis(500));
		}
	}
}

/// The `p`-th percentile (nearest rank) of sorted `values`.
fn percentile(sorted: &[f64], p: f64) -> f64 {
	let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
	sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Chain {
	genesis: Hash,
	nonces: HashMap<AccountId, Nonce>,
	/// Redundancy, quorum, worker fee.
	params: Parameters<modelchain_runtime::Balance>,
	input_len: usize,
}

impl Chain {
	fn read(rpc: &Rpc) -> Self {
		let best = rpc.block_hash(rpc.best_number());
		let key = pallet_ml_predictions::Params::<common::Runtime>::hashed_key().to_vec();
		let params = Parameters::decode(&mut &rpc.storage(key, best).expect("prediction parameters set")[..]).unwrap();
		let nonces = SENDERS.iter().map(|k| (k.to_account_id(), rpc.next_nonce(&k.to_account_id()))).collect();
		Chain { genesis: rpc.block_hash(0), nonces, params, input_len: 64 }
	}

	/// Input `i` for the digits model.
	fn input(
		&self,
		i: usize,
	) -> BoundedVec<i8, <modelchain_runtime::Runtime as pallet_ml_predictions::Config>::MaxInputLen> {
		let input: Vec<i8> = (0..self.input_len).map(|j| ((i * 31 + j * 7) % 256) as u8 as i8).collect();
		input.try_into().unwrap()
	}

	/// What a request costs at most: the model's fee and every drawn worker's.
	fn max_fee(&self) -> modelchain_runtime::Balance {
		DEMO_MODEL_FEE + self.params.worker_fee * self.params.redundancy as u128
	}

	fn request_call(&self, i: usize) -> RuntimeCall {
		RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_prediction {
			model: 0,
			input: self.input(i),
			max_fee: self.max_fee(),
		})
	}

	/// `n` requests of input 0 in one `request_predictions`.
	fn batch_call(&self, n: usize) -> RuntimeCall {
		RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_predictions {
			model: 0,
			inputs: vec![self.input(0); n].try_into().expect("at most MaxRequestsPerCall"),
			max_fee_each: self.max_fee(),
		})
	}

	fn next(&mut self, who: K) -> Nonce {
		let n = self.nonces.get_mut(&who.to_account_id()).unwrap();
		*n += 1;
		*n - 1
	}
}

/// The digits model's output for request `i`'s input.
fn expected(
	chain: &Chain,
	i: usize,
) -> Prediction<<modelchain_runtime::Runtime as pallet_ml_predictions::Config>::MaxOutputLen> {
	let model = modelchain_nn::Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
	Prediction::from_output(model.run(&chain.input(i)).unwrap()).unwrap()
}

/// Phase 1: `n` requests at `per_block` a block; prints the latency table.
fn latency(rpc: &Rpc, chain: &mut Chain, n: usize, per_block: usize, block_ms: u64) {
	let mut scan = Scan::new(rpc.finalized_number() + 1);
	// One input for all: the check that each answer is the model's output stays one comparison.
	scan.expected = expected(chain, 0);
	let call = chain.request_call(0);
	let interval = Duration::from_millis(block_ms / per_block as u64);
	let start = Instant::now();
	for i in 0..n {
		let sender = SENDERS[i % SENDERS.len()];
		let xt = sign(sender, call.clone(), chain.next(sender), chain.genesis);
		let t = Tracked { submitted_ms: now_ms(), inputs: 1, ..Tracked::default() };
		let hash = rpc.try_submit(&xt).unwrap_or_else(|e| panic!("request {i} refused by the pool: {e}"));
		scan.track(hash, t);
		scan.advance(rpc);
		let due = start + interval * (i as u32 + 1);
		std::thread::sleep(due.saturating_duration_since(Instant::now()));
	}
	scan.settle(rpc, Duration::from_secs(600));
	let failed: Vec<_> = scan.tracked.iter().filter_map(|t| t.failed).collect();
	let settled: Vec<_> = scan.requests.iter().filter_map(|r| r.settled.map(|s| (&scan.tracked[r.tx], s))).collect();
	let ready = settled.iter().filter(|(_, s)| s.2).count();
	assert_eq!(ready + failed.len() + (settled.len() - ready), n);
	let mut blocks: Vec<f64> =
		settled.iter().map(|(t, s)| (s.0 - t.included.expect("settled, so included")) as f64).collect();
	let mut seconds: Vec<f64> = settled.iter().map(|(t, s)| (s.1 as f64 - t.submitted_ms as f64) / 1000.0).collect();
	let mut seen: Vec<f64> = settled.iter().map(|(t, s)| (s.3 as f64 - t.submitted_ms as f64) / 1000.0).collect();
	for v in [&mut blocks, &mut seconds, &mut seen] {
		v.sort_by(f64::total_cmp);
	}
	println!(
		"\nlatency: {n} requests at {per_block} a block (R = {}, Q = {}), {:.0} s: {ready} results, {} request failures, {} refused at submission ({:?})",
		chain.params.redundancy,
		chain.params.quorum,
		start.elapsed().as_secs_f64(),
		settled.len() - ready,
		failed.len(),
		failed.first(),
	);
	println!("| from submission to | p50 | p99 | max |");
	println!("|---|---:|---:|---:|");
	println!(
		"| the result's block, blocks after the request's | {} | {} | {} |",
		percentile(&blocks, 50.0),
		percentile(&blocks, 99.0),
		blocks.last().unwrap()
	);
	println!(
		"| the result's block, seconds (its timestamp) | {:.1} | {:.1} | {:.1} |",
		percentile(&seconds, 50.0),
		percentile(&seconds, 99.0),
		seconds.last().unwrap()
	);
	println!(
		"| the result seen finalized, seconds (polled at every submission and every 0.5 s after) | {:.1} | {:.1} | {:.1} |",
		percentile(&seen, 50.0),
		percentile(&seen, 99.0),
		seen.last().unwrap()
	);
	let mut histogram = std::collections::BTreeMap::new();
	for b in &blocks {
		*histogram.entry(*b as u32).or_insert(0) += 1;
	}
	println!("blocks after the request's: count {histogram:?}");
	// Why the slowest were slow: each drawn worker's commitment and reveal, by block.
	let floor = if chain.params.quorum >= 2 { 3 } else { 2 };
	let slow: Vec<_> = scan
		.requests
		.iter()
		.filter(|r| r.settled.is_some_and(|s| !s.2 || s.0 > scan.tracked[r.tx].included.unwrap_or(0) + floor))
		.collect();
	for r in slow.iter().take(30) {
		println!("slower than the floor: requested in #{}:", scan.tracked[r.tx].included.unwrap_or(0));
		for (block, what) in &r.trail {
			println!("  #{block} {what}");
		}
	}
	assert_eq!(ready, n, "at a steady load every request gets its result");
}

/// Submits `calls` (sender, call) so that they become ready together: every sender's later
/// nonces first, then every sender's first. Returns the scan following them.
fn submit_at_once(rpc: &Rpc, chain: &mut Chain, calls: Vec<(K, RuntimeCall)>) -> Scan {
	let mut signed: Vec<(bool, Hash, Vec<u8>)> = Vec::new();
	let mut first = HashMap::new();
	for (who, call) in calls {
		let nonce = chain.next(who);
		let is_first = first.insert(who.to_account_id(), ()).is_none();
		let xt = sign(who, call, nonce, chain.genesis);
		let hash = polkadot_sdk::sp_io::hashing::blake2_256(&codec::Encode::encode(&xt)).into();
		signed.push((is_first, hash, codec::Encode::encode(&xt)));
	}
	let mut scan = Scan::new(rpc.finalized_number() + 1);
	signed.sort_by_key(|(is_first, ..)| *is_first);
	let started = Instant::now();
	let mut refused = 0;
	for (_, hash, xt) in &signed {
		match rpc.try_call("author_submitExtrinsic", serde_json::json!([hex_of(xt)])) {
			Ok(_) => scan.track(*hash, Tracked { submitted_ms: now_ms(), ..Tracked::default() }),
			Err(e) => {
				refused += 1;
				if refused == 1 {
					println!("refused by the pool: {e}");
				}
			}
		}
	}
	println!("submitted {} in {:.1} s, {refused} refused by the pool", signed.len(), started.elapsed().as_secs_f64());
	scan
}

fn print_rows(rows: &[Row], keep: impl Fn(&Row) -> bool) {
	println!("| block | extrinsics | included | requests accepted | NetworkBusy | results | answers | transfers | weight (normal) | length |");
	println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
	for r in rows.iter().filter(|r| keep(r)) {
		println!(
			"| {} | {} | {} | {} | {} | {} | {} | {} | {:.1}% | {:.1}% |",
			r.number,
			r.extrinsics,
			r.included,
			r.requested,
			r.busy,
			r.ready,
			r.answers,
			r.transfers,
			r.weight_share * 100.0,
			r.length_share * 100.0
		);
	}
}

/// Phase 2: `n` requests, a block's worth of seats (`MaxPendingSeats / R`) in full
/// `request_predictions` batches made ready right after each new block; returns the most
/// results a block settled.
fn prediction_flood(rpc: &Rpc, chain: &mut Chain, n: usize) -> u32 {
	type C = modelchain_runtime::Runtime;
	let per_call = <C as pallet_ml_predictions::Config>::MaxRequestsPerCall::get() as usize;
	let seats = <C as pallet_ml_predictions::Config>::MaxPendingSeats::get() as usize;
	let wave = (seats / chain.params.redundancy.max(1) as usize).max(1);
	let mut scan = Scan::new(rpc.finalized_number() + 1);
	scan.expected = expected(chain, 0);
	let started = Instant::now();
	let (mut sent, mut calls) = (0, 0);
	let mut best = rpc.best_number();
	while sent < n {
		// Right after a block: the wave waits in the pool for the next one.
		best = rpc.wait_for_best(best + 1, Duration::from_secs(60));
		let mut left = wave.min(n - sent);
		while left > 0 {
			let size = left.min(per_call);
			let sender = SENDERS[calls % SENDERS.len()];
			let xt = sign(sender, chain.batch_call(size), chain.next(sender), chain.genesis);
			let t = Tracked { submitted_ms: now_ms(), inputs: size as u32, ..Tracked::default() };
			let hash = rpc.try_submit(&xt).unwrap_or_else(|e| panic!("batch {calls} refused by the pool: {e}"));
			scan.track(hash, t);
			(left, sent, calls) = (left - size, sent + size, calls + 1);
		}
		scan.advance(rpc);
	}
	println!(
		"\nprediction flood: {n} requests in {calls} transactions of up to {per_call}, {wave} after each block, in {:.0} s",
		started.elapsed().as_secs_f64()
	);
	scan.settle(rpc, Duration::from_secs(900));
	let accepted = scan.requests.len();
	let ready = scan.requests.iter().filter(|r| r.settled.is_some_and(|s| s.2)).count();
	let busy: u32 = scan.rows.iter().map(|r| r.busy).sum();
	println!("{accepted} accepted, {busy} NetworkBusy, {ready} results");
	print_rows(&scan.rows, |r| r.included + r.ready + r.failed > 0);
	assert_eq!(ready, accepted, "every accepted request gets its result");
	scan.rows.iter().map(|r| r.ready).max().unwrap_or(0)
}

/// Registers `w` more workers, `//LoadWorker<i>` (stash) with the worker key
/// `//LoadWorker<i>//key` put in this node's keystore, and waits until the draw can pick them.
/// The first sender funds them (in one batch, with the nonce `chain` tracks): the bond and the
/// stash's fees, and the fees a key pays for its answers before they are refunded.
fn add_workers(rpc: &Rpc, chain: &mut Chain, w: usize) {
	use polkadot_sdk::{
		pallet_utility,
		sp_core::{sr25519, Pair as _},
		sp_runtime::MultiAddress,
	};
	type C = modelchain_runtime::Runtime;
	let bond = <C as pallet_ml_staking::Config>::MinWorkerBond::get();
	let pair = |suri: &str| sr25519::Pair::from_string(suri, None).unwrap();
	let key_suri = |i: usize| format!("//LoadWorker{i}//key");
	let workers: Vec<_> = (0..w).map(|i| (pair(&format!("//LoadWorker{i}")), pair(&key_suri(i)))).collect();
	let transfer = |to: &sr25519::Pair, value| {
		RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: MultiAddress::Id(to.public().into()),
			value,
		})
	};
	let calls =
		workers.iter().flat_map(|(stash, key)| [transfer(stash, bond + 100 * MDC), transfer(key, 100 * MDC)]).collect();
	let batch_done = |events: &[EventRecord]| {
		events.iter().any(|r| matches!(r.event, RuntimeEvent::Utility(pallet_utility::Event::BatchCompleted)))
	};
	let funder = SENDERS[0];
	let from = rpc.best_number();
	let funding = sign(
		funder,
		RuntimeCall::Utility(pallet_utility::Call::batch_all { calls }),
		chain.next(funder),
		chain.genesis,
	);
	rpc.try_submit(&funding).unwrap_or_else(|e| panic!("funding the workers refused by the pool: {e}"));
	rpc.find_block_with(from, Duration::from_secs(120), batch_done);
	let from = rpc.best_number();
	for (i, (stash, key)) in workers.iter().enumerate() {
		let _: serde_json::Value =
			rpc.call("author_insertKey", serde_json::json!(["mlwk", key_suri(i), hex_of(&key.public().0)]));
		let calls = vec![
			RuntimeCall::MlStaking(pallet_ml_staking::Call::bond { value: bond }),
			RuntimeCall::MlStaking(pallet_ml_staking::Call::set_worker_key { key: key.public().into() }),
			RuntimeCall::MlStaking(pallet_ml_staking::Call::register_worker {}),
		];
		rpc.submit_with(stash, RuntimeCall::Utility(pallet_utility::Call::batch_all { calls }));
	}
	let stashes: Vec<AccountId> = workers.iter().map(|(stash, _)| stash.public().into()).collect();
	let storage_key = pallet_ml_staking::ActiveWorkers::<common::Runtime>::hashed_key().to_vec();
	let deadline = Instant::now() + Duration::from_secs(600);
	loop {
		let best = rpc.best_number();
		let active: Vec<(AccountId, u32)> = rpc
			.storage(storage_key.clone(), rpc.block_hash(best))
			.map(|v| Decode::decode(&mut &v[..]).expect("ActiveWorkers decodes"))
			.unwrap_or_default();
		let drawable = stashes.iter().filter(|s| active.iter().any(|(a, at)| a == *s && *at <= best)).count();
		if drawable == w {
			println!("\n{w} more workers (their keys in this node), registered from block {from}, drawable at {best}");
			return;
		}
		assert!(Instant::now() < deadline, "only {drawable} of {w} new workers drawable by block {best}");
		std::thread::sleep(Duration::from_secs(1));
	}
}

/// Phase 3: `n` transfers ready at once; returns the most a block included.
fn transfer_flood(rpc: &Rpc, chain: &mut Chain, n: usize) -> u32 {
	let dest = polkadot_sdk::sp_runtime::MultiAddress::Id(K::One.to_account_id());
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive { dest, value: MDC });
	let calls = (0..n).map(|i| (SENDERS[i % SENDERS.len()], call.clone())).collect();
	let mut scan = submit_at_once(rpc, chain, calls);
	scan.settle_transfers(rpc, Duration::from_secs(600));
	let total: u32 = scan.rows.iter().map(|r| r.transfers).sum();
	println!("\ntransfer flood: {n} transfers ready at once, {total} done");
	print_rows(&scan.rows, |r| r.included > 0);
	assert_eq!(total as usize, scan.tracked.len(), "every transfer the pool took is in a block");
	scan.rows.iter().map(|r| r.transfers).max().unwrap_or(0)
}

impl Scan {
	/// Scans until every tracked transaction is in a block (transfers have no later outcome).
	fn settle_transfers(&mut self, rpc: &Rpc, timeout: Duration) {
		let deadline = Instant::now() + timeout;
		loop {
			self.advance(rpc);
			if self.tracked.iter().all(|t| t.included.is_some()) {
				return;
			}
			assert!(Instant::now() < deadline, "transfers never included");
			std::thread::sleep(Duration::from_millis(500));
		}
	}
}

#[test]
#[ignore = "a measurement: run by scripts/load.sh"]
fn prediction_load() {
	let mut node = None;
	let network = std::env::var("MODELCHAIN_LOAD_PORT");
	// On a running network, workers are added only when asked (their keys go into the one node
	// the measurement talks to).
	let workers = env_or("MODELCHAIN_LOAD_WORKERS", if network.is_ok() { 0 } else { 63 });
	let rpc = match network {
		Ok(port) => Rpc { port: port.parse().expect("MODELCHAIN_LOAD_PORT is a port") },
		Err(_) => {
			// A big pool: the floods park their later nonces in the future queue (a tenth of it).
			let mut args = vec!["--pool-limit", "200000", "--pool-kbytes", "1000000"];
			if workers > 0 {
				args.extend(["--chain", "dev-fast"]);
			}
			let dev = node.insert(DevNode::start(&args));
			dev.rpc()
		}
	};
	rpc.wait_for_best(2, Duration::from_secs(120));
	let block_ms = {
		let a = timestamp_at(&rpc, rpc.block_hash(1));
		let b = timestamp_at(&rpc, rpc.block_hash(2));
		b.saturating_sub(a).max(1000)
	};
	let mut chain = Chain::read(&rpc);
	println!(
		"chain: {} ms blocks, R = {}, Q = {}; block limits: normal weight {:.2} s, length {} KiB",
		block_ms,
		chain.params.redundancy,
		chain.params.quorum,
		RuntimeBlockWeights::get().get(DispatchClass::Normal).max_total.unwrap().ref_time() as f64 / 1e12,
		RuntimeBlockLength::get().max.get(DispatchClass::Normal) / 1024,
	);
	let requests = env_or("MODELCHAIN_LOAD_REQUESTS", 1000);
	let flood = env_or("MODELCHAIN_LOAD_FLOOD", 4096);
	// Before both prediction phases: the latency a user sees is measured with the same workers
	// as the flood.
	if (requests > 0 || flood > 0) && workers > 0 {
		add_workers(&rpc, &mut chain, workers);
	}
	if requests > 0 {
		latency(&rpc, &mut chain, requests, env_or("MODELCHAIN_LOAD_PER_BLOCK", 10), block_ms);
	}
	let most_results = if flood > 0 { prediction_flood(&rpc, &mut chain, flood) } else { 0 };
	let transfers = env_or("MODELCHAIN_LOAD_TRANSFERS", 16_000);
	let most_transfers = if transfers > 0 { transfer_flood(&rpc, &mut chain, transfers) } else { 0 };
	if most_results > 0 && most_transfers > 0 {
		println!(
			"\nmost results in a block: {most_results}; most transfers in a block: {most_transfers}; ratio {:.4}",
			most_results as f64 / most_transfers as f64
		);
	}
	weight_ceiling(&chain.params);
	// And for the other shape of network (the local testnet's R = 3, Q = 2, or the dev chain's 1, 1).
	let other = if chain.params.quorum >= 2 { (1, 1) } else { (3, 2) };
	weight_ceiling(&Parameters { redundancy: other.0, quorum: other.1, worker_fee: chain.params.worker_fee });
	drop(node);
}

/// What the weights allow, whatever the workers: the predictions a block could take if the
/// only limit were weight, each prediction paying for its request (in full
/// `request_predictions` batches), its answers (`R` answers, twice that with commit and
/// reveal when `Q` ≥ 2, in full submissions) and its draw in the hook. Requests and answers
/// fill the normal class; with the draws (mandatory, in the next block's hook) the block must
/// also stay within its whole weight, which normal transactions may not push past.
fn weight_ceiling(params: &Parameters<modelchain_runtime::Balance>) {
	use modelchain_runtime::Runtime;
	use pallet_ml_predictions::WeightInfo as _;
	use polkadot_sdk::frame_support::dispatch::GetDispatchInfo;
	type W = pallet_ml_predictions::weights::SubstrateWeight<Runtime>;
	type C = Runtime;
	let limits = RuntimeBlockWeights::get();
	let normal = limits.get(DispatchClass::Normal);
	let base = normal.base_extrinsic.ref_time() as f64;
	let max = normal.max_total.unwrap().ref_time() as f64;
	let block = limits.max_block.ref_time() as f64;
	let r = params.redundancy;
	let batch: u32 = <C as pallet_ml_predictions::Config>::MaxAnswersPerSubmission::get();
	let per_call = <C as pallet_ml_predictions::Config>::MaxRequestsPerCall::get();
	// A block's requests: as many as their seats allow.
	let draws = <C as pallet_ml_predictions::Config>::MaxPendingSeats::get() / r.max(1);
	// Every signed transaction also pays its extensions' weight (nonce, payment, the market's
	// pool checks…): measured on a transfer, whose call adds nothing to them; answers add the
	// pool check of their entries.
	let genesis = Hash::zero();
	let transfer_call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: polkadot_sdk::sp_runtime::MultiAddress::Id(K::One.to_account_id()),
		value: MDC,
	});
	let info = sign(K::Eve, transfer_call, 0, genesis).get_dispatch_info();
	let extensions = info.extension_weight.ref_time() as f64;
	let transfer = base + info.total_weight().ref_time() as f64;
	let single = base + extensions + W::request_prediction(64, r).ref_time() as f64;
	let request = (base + extensions + W::request_predictions(per_call, 64).ref_time() as f64) / per_call as f64;
	let steps = if params.quorum >= 2 { 2 } else { 1 };
	// A prediction takes `steps × R` entries, of which one settles it (with its `R` workers)
	// and the others only record: a full batch's share of each.
	let settled = batch.div_ceil(steps * r);
	let submission = pallet_ml_predictions::Pallet::<C>::submission_weight(settled, batch - settled, settled * (r - 1));
	let answer = (base + extensions + (W::check_answers(batch) + submission).ref_time() as f64) / batch as f64;
	let per_prediction = request + (steps * r) as f64 * answer;
	let draw = pallet_ml_predictions::Pallet::<C>::draw_weight(draws, draws * r).ref_time() as f64 / draws as f64;
	let by_normal = max / per_prediction;
	let by_block = block / (per_prediction + draw);
	println!(
		"weight ceiling (R = {r}, Q = {}): a request {:.1} µs in batches of {per_call} ({:.1} µs alone), an answer \
		 {:.1} µs (in batches of {batch}), a draw {:.1} µs (hook); a block's normal weight ({:.2} s) fits {by_normal:.0} \
		 predictions' requests and answers, its whole weight ({:.2} s) {by_block:.0} with their draws: {:.0} \
		 predictions a block (weight alone; `MaxPendingSeats` lets {draws} requests a block through); or {:.0} \
		 transfers ({:.1} µs each)",
		params.quorum,
		request / 1e6,
		single / 1e6,
		answer / 1e6,
		draw / 1e6,
		max / 1e12,
		block / 1e12,
		by_normal.min(by_block),
		max / transfer,
		transfer / 1e6,
	);
}
