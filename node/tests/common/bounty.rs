//! A bounty run end to end on a real chain, from the requester's and the trainers' side (the
//! chain's evaluators score it): the bounty-latency measurement and the fault measurements use it.

use std::time::Duration;

use super::*;
use modelchain_nn::{Dataset, DatasetBounds, Labels, Metric, MetricAccumulator, Model};
use modelchain_runtime::{genesis_config_presets::DIGITS_MODEL, AccountId, RuntimeCall, RuntimeEvent, MDC};
use pallet_ml_bounties::{
	chunk_commitment, model_commitment, Call as B, EvaluationParameters, EvaluationParams, Event as E, OutputShape,
	Payout, Phase, Terms,
};
use polkadot_sdk::{
	frame_support::BoundedVec,
	pallet_balances, pallet_preimage, pallet_utility,
	sp_core::{sr25519, Pair as _},
	sp_keyring::Sr25519Keyring as K,
	sp_runtime::MultiAddress,
};

const DIGITS_TEST: &[u8] = include_bytes!("../../../primitives/nn/fixtures/digits_test.bin");

/// The most submissions a bounty takes (`MaxSubmissions`).
pub const MAX_SUBMISSIONS: usize = 32;

/// Trainer `i`: the account of `//Trainer<i>`, funded by [`fund_trainers`].
pub fn trainer(i: usize) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//Trainer{i}"), None).unwrap()
}

/// Gives each trainer 100 MDC (a stake, a fee and change) from Ferdie, in one batch.
pub fn fund_trainers(rpc: &Rpc) {
	let calls = (0..MAX_SUBMISSIONS)
		.map(|i| {
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: MultiAddress::Id(trainer(i).public().into()),
				value: 100 * MDC,
			})
		})
		.collect();
	let from = rpc.submit(K::Ferdie, RuntimeCall::Utility(pallet_utility::Call::batch_all { calls }));
	rpc.find_block_with(from, Duration::from_secs(60), |events| {
		events.iter().any(|r| matches!(r.event, RuntimeEvent::Utility(pallet_utility::Event::BatchCompleted)))
	});
}

fn hash(b: &[u8]) -> modelchain_runtime::Hash {
	polkadot_sdk::sp_io::hashing::blake2_256(b).into()
}

/// `samples` digits samples: the digits test set repeated (its accuracy is the same whatever
/// the repetition).
pub fn dataset(samples: usize) -> Dataset {
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

/// The first block from `from` with a bounty event of bounty `id` matching `pred`, and those events.
pub fn bounty_event(rpc: &Rpc, from: u32, id: u32, pred: impl Fn(&E<Runtime>) -> bool) -> (u32, Vec<E<Runtime>>) {
	let of_id = |e: &E<Runtime>| match e {
		E::BountyCreated { bounty, .. }
		| E::SplitDrawn { bounty, .. }
		| E::PhaseStarted { bounty, .. }
		| E::EvaluatorsDrawn { bounty, .. }
		| E::ScoreReported { bounty, .. } => *bounty == id,
		_ => false,
	};
	let matches = |e: &E<Runtime>| of_id(e) && pred(e);
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

/// What one bounty's scoring took: from the block that closed the reveal phase and drew the
/// evaluators to the block whose tally fixed every score.
pub struct Scoring {
	pub closed: u32,
	pub scored: u32,
	/// Between the two blocks' timestamps.
	pub seconds: f64,
	/// The evaluation's cost (model cost × samples × submissions).
	pub cost: u64,
	pub evaluators: Vec<AccountId>,
}

/// Bob posts a bounty for the digits task with `samples` test samples; `submissions` trainers
/// (`//Trainer<i>`, see [`fund_trainers`]) each submit and reveal the digits model; the chain's
/// evaluators score it. `on_drawn` runs as soon as the evaluators are drawn (where a fault
/// measurement strikes). Asserts every score is the digits model's true accuracy.
pub fn run_bounty(rpc: &Rpc, submissions: usize, samples: usize, on_drawn: impl FnOnce(&[AccountId])) -> Scoring {
	let requester = K::Bob;
	let digits = Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
	let test = dataset(samples).encode_blob();
	// Two chunks of the same size: the split draws either as the test chunk, the other is
	// published for training.
	let chunks = [test.clone(), dataset(samples).encode_blob()];
	let salt = |i: usize| [i as u8 + 7; 32];
	let commitments: Vec<_> = chunks.iter().enumerate().map(|(i, c)| chunk_commitment(&hash(c), &salt(i))).collect();
	rpc.submit(requester, RuntimeCall::Preimage(pallet_preimage::Call::note_preimage { bytes: test.clone() }));
	let mut terms = Terms {
		input_len: 64,
		output: OutputShape::Classes(10),
		metric: Metric::Accuracy,
		min_score: 0,
		reward: 100 * MDC,
		trainer_stake: MDC,
		evaluation_fee: 0,
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
	// The least the chain takes for the evaluators it draws now (`MinEvaluationFeePerGigaCost`
	// per evaluator per 10^9 cost units of the worst case), and at least 1 MDC.
	let evaluators = rpc
		.storage(EvaluationParams::<Runtime>::hashed_key().to_vec(), rpc.block_hash(rpc.best_number()))
		.map_or(0, |v| EvaluationParameters::decode(&mut &v[..]).expect("evaluation parameters decode").evaluators);
	terms.evaluation_fee = pallet_ml_bounties::Pallet::<Runtime>::evaluation_fee_for(&terms, evaluators)
		.expect("the digits terms' fee does not overflow")
		.max(MDC);
	let (from, tx) = rpc.submit_tracked(
		requester,
		RuntimeCall::MlBounties(B::create_bounty {
			metadata: BoundedVec::truncate_from(b"latency".to_vec()),
			terms,
			chunks: BoundedVec::truncate_from(commitments),
		}),
	);
	let bob = requester.to_account_id();
	let (created_at, events, result) = rpc.outcome(from, tx, Duration::from_secs(120));
	if let Err(e) = result {
		panic!("{submissions} x {samples}: create_bounty failed: {}", describe(e));
	}
	let created = header_number(&rpc.header(Some(created_at)));
	let id = events
		.iter()
		.find_map(|r| match &r.event {
			RuntimeEvent::MlBounties(E::BountyCreated { bounty, requester, .. }) if *requester == bob => Some(*bounty),
			_ => None,
		})
		.unwrap();
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
	let trainers: Vec<_> = (0..submissions).map(trainer).collect();
	for t in &trainers {
		let commitment = model_commitment(id, &AccountId::from(t.public()), &hash(DIGITS_MODEL), &[3; 32]);
		rpc.submit_with(t, RuntimeCall::MlBounties(B::submit { bounty: id, commitment }));
	}
	let (revealing, _) = bounty_event(rpc, open, id, |e| matches!(e, E::PhaseStarted { phase: Phase::Reveal, .. }));
	reveal(test_index, None);
	// The digits model is a preimage already (the genesis demo model).
	for (index, t) in trainers.iter().enumerate() {
		rpc.submit_with(
			t,
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
	on_drawn(&evaluators);
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
	let seconds =
		(timestamp_at(rpc, rpc.block_hash(scored)) - timestamp_at(rpc, rpc.block_hash(closed))) as f64 / 1000.0;
	Scoring { closed, scored, seconds, cost: digits.cost() * samples as u64 * submissions as u64, evaluators }
}
