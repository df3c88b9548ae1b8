//! How long a bounty's scoring takes on a real dev node: blocks and seconds from the close of the
//! reveal phase (the block that draws the evaluators) to final scores (the block whose tally fixes
//! every score), for 1 and 10 submissions of the digits model on 1,000 and 10,000 test samples,
//! scored by the node's own off-chain worker (the dev chain's one evaluator, quorum 1).
//!
//! A measurement, not a test of speed: it is ignored by `cargo test` and run by
//! `scripts/bounty-latency.sh`, which prints a table. It still asserts what must hold (every
//! score is the digits model's true accuracy on the test set), so a wrong run cannot print a
//! plausible figure.

mod common;

use std::time::Duration;

use codec::Decode;
use common::*;
use modelchain_nn::{Dataset, DatasetBounds, Labels, Metric, MetricAccumulator, Model};
use modelchain_runtime::{genesis_config_presets::DIGITS_MODEL, RuntimeCall, RuntimeEvent, MDC};
use pallet_ml_bounties::{
	chunk_commitment, model_commitment, Call as B, Event as E, OutputShape, Payout, Phase, Terms,
};
use polkadot_sdk::{frame_support::BoundedVec, pallet_preimage, sp_keyring::Sr25519Keyring as K};

const DIGITS_TEST: &[u8] = include_bytes!("../../primitives/nn/fixtures/digits_test.bin");

/// Endowed dev accounts that are neither the requester (Bob) nor the evaluator (Alice's stash).
const TRAINERS: [K; 10] = [
	K::Alice,
	K::Charlie,
	K::Dave,
	K::Eve,
	K::Ferdie,
	K::BobStash,
	K::CharlieStash,
	K::DaveStash,
	K::EveStash,
	K::FerdieStash,
];

fn hash(b: &[u8]) -> modelchain_runtime::Hash {
	polkadot_sdk::sp_io::hashing::blake2_256(b).into()
}

/// `samples` digits samples: the digits test set repeated (its accuracy is the same whatever
/// the repetition).
fn dataset(samples: usize) -> Dataset {
	let all = Dataset::decode_blob(DIGITS_TEST, &DatasetBounds::default()).unwrap();
	let Labels::Class(labels) = &all.labels else { unreachable!("digits are classes") };
	let n_in = all.input_len as usize;
	let pick: Vec<usize> = (0..samples).map(|i| i % labels.len()).collect();
	Dataset {
		input_len: all.input_len,
		inputs: pick.iter().flat_map(|&i| all.inputs[i * n_in..(i + 1) * n_in].to_vec()).collect(),
		labels: Labels::Class(pick.iter().map(|&i| labels[i]).collect()),
	}
}

/// The block timestamp (ms) of block `number`.
fn timestamp(rpc: &Rpc, number: u32) -> u64 {
	let key = polkadot_sdk::frame_support::storage::storage_prefix(b"Timestamp", b"Now").to_vec();
	u64::decode(&mut &rpc.storage(key, rpc.block_hash(number)).expect("timestamp set")[..]).unwrap()
}

/// The first block from `from` with a bounty event of bounty `id` matching `pred`, and those events.
fn bounty_event(
	rpc: &Rpc,
	from: u32,
	id: u32,
	pred: impl Fn(&E<common::Runtime>) -> bool,
) -> (u32, Vec<E<common::Runtime>>) {
	let of_id = |e: &E<common::Runtime>| match e {
		E::BountyCreated { bounty, .. }
		| E::SplitDrawn { bounty, .. }
		| E::PhaseStarted { bounty, .. }
		| E::EvaluatorsDrawn { bounty, .. }
		| E::ScoreReported { bounty, .. } => *bounty == id,
		_ => false,
	};
	let matches = |e: &E<common::Runtime>| of_id(e) && pred(e);
	let (hash, events) = rpc.find_block_with(from, Duration::from_secs(600), |events| {
		events.iter().any(|r| matches!(&r.event, RuntimeEvent::MlBounties(e) if matches(e)))
	});
	let found = events
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::MlBounties(e) if matches(&e) => Some(e),
			_ => None,
		})
		.collect();
	(header_number(&rpc.header(Some(hash))), found)
}

/// One measured bounty: returns (blocks, seconds, evaluation cost).
fn measure(rpc: &Rpc, id: u32, submissions: usize, samples: usize) -> (u32, f64, u64) {
	let requester = K::Bob;
	let digits = Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
	let test = dataset(samples).encode_blob();
	// Two chunks of the same size: the split draws either as the test chunk, the other is
	// published for training.
	let chunks = [test.clone(), dataset(samples).encode_blob()];
	let salt = |i: usize| [i as u8 + 7; 32];
	let commitments: Vec<_> = chunks.iter().enumerate().map(|(i, c)| chunk_commitment(&hash(c), &salt(i))).collect();
	rpc.submit(requester, RuntimeCall::Preimage(pallet_preimage::Call::note_preimage { bytes: test.clone() }));
	let terms = Terms {
		input_len: 64,
		output: OutputShape::Classes(10),
		metric: Metric::Accuracy,
		min_score: 0,
		reward: 100 * MDC,
		trainer_stake: MDC,
		evaluation_fee: MDC,
		test_chunks: 1,
		validation_chunks: 0,
		max_chunk_samples: samples as u32,
		max_model_cost: digits.cost(),
		max_submissions: submissions as u32,
		data_period: 5,
		submission_period: 5,
		reveal_period: 5,
		challenge_period: 5,
		payout: Payout::WinnerTakesAll,
	};
	let from = rpc.submit(
		requester,
		RuntimeCall::MlBounties(B::create_bounty {
			metadata: BoundedVec::truncate_from(b"latency".to_vec()),
			terms,
			chunks: BoundedVec::truncate_from(commitments),
		}),
	);
	let (created, _) = bounty_event(rpc, from, id, |e| matches!(e, E::BountyCreated { .. }));
	let (split, events) = bounty_event(rpc, created, id, |e| matches!(e, E::SplitDrawn { .. }));
	let Some(E::SplitDrawn { test: drawn, .. }) = events.into_iter().next() else { unreachable!() };
	let test_index = drawn[0] as usize;
	let reveal = |i: usize, uri: Option<&[u8]>| {
		rpc.submit(
			requester,
			RuntimeCall::MlBounties(B::reveal_chunk {
				bounty: id,
				chunk: i as u32,
				blob_hash: hash(&chunks[i]),
				salt: salt(i),
				uri: uri.map(|u| BoundedVec::truncate_from(u.to_vec())),
			}),
		)
	};
	// The training chunk by hash and URI: the measurement is about scoring.
	reveal(1 - test_index, Some(b"https://example.invalid/train"));
	let (open, _) = bounty_event(rpc, split, id, |e| matches!(e, E::PhaseStarted { phase: Phase::Submission, .. }));
	let trainers = &TRAINERS[..submissions];
	for t in trainers {
		let commitment = model_commitment(id, &t.to_account_id(), &hash(DIGITS_MODEL), &[3; 32]);
		rpc.submit(*t, RuntimeCall::MlBounties(B::submit { bounty: id, commitment }));
	}
	let (revealing, _) = bounty_event(rpc, open, id, |e| matches!(e, E::PhaseStarted { phase: Phase::Reveal, .. }));
	reveal(test_index, None);
	// The digits model is a preimage already (the genesis demo model).
	for (index, t) in trainers.iter().enumerate() {
		rpc.submit(
			*t,
			RuntimeCall::MlBounties(B::reveal_model {
				bounty: id,
				submission: index as u32,
				blob_hash: hash(DIGITS_MODEL),
				salt: [3; 32],
				list_fee: None,
			}),
		);
	}
	let (closed, events) = bounty_event(rpc, revealing, id, |e| matches!(e, E::EvaluatorsDrawn { .. }));
	let Some(E::EvaluatorsDrawn { evaluators, .. }) = events.into_iter().next() else { unreachable!() };
	assert_eq!(evaluators, vec![K::AliceStash.to_account_id()], "the dev chain's one evaluator is drawn");
	let (scored, events) = bounty_event(rpc, closed, id, |e| matches!(e, E::ScoreReported { .. }));
	let mut acc = MetricAccumulator::new(Metric::Accuracy);
	acc.add_chunk(&digits, &Dataset::decode_blob(&test, &DatasetBounds::default()).unwrap()).unwrap();
	let truth = acc.score().ok();
	let scores: Vec<_> = events
		.into_iter()
		.filter_map(|e| match e {
			E::ScoreReported { score, .. } => Some(score),
			_ => None,
		})
		.collect();
	assert_eq!(scores, vec![Some(truth); submissions], "every score fixed by the quorum, and right");
	let seconds = (timestamp(rpc, scored) - timestamp(rpc, closed)) as f64 / 1000.0;
	(scored - closed, seconds, digits.cost() * samples as u64 * submissions as u64)
}

#[test]
#[ignore = "a measurement: run by scripts/bounty-latency.sh"]
fn bounty_scoring_latency() {
	let mut node = DevNode::start(&[]);
	let rpc = node.rpc();
	rpc.wait_for_best(1, Duration::from_secs(60));
	let mut rows = Vec::new();
	for (id, (submissions, samples)) in [(1, 1_000), (10, 1_000), (1, 10_000), (10, 10_000)].into_iter().enumerate() {
		let (blocks, seconds, cost) = measure(&rpc, id as u32, submissions, samples);
		println!("measured: {submissions} submissions x {samples} samples: {blocks} blocks, {seconds:.1} s");
		rows.push((submissions, samples, cost, blocks, seconds));
	}
	println!("\n| submissions | test samples | evaluation cost | blocks | seconds |");
	println!("|---:|---:|---:|---:|---:|");
	for (submissions, samples, cost, blocks, seconds) in rows {
		println!("| {submissions} | {samples} | {cost:.1e} | {blocks} | {seconds:.1} |", cost = cost as f64);
	}
}
