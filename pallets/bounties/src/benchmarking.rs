//! Benchmarks: every call in its worst case, the phase engine's costliest phase end, and one
//! on-chain verification step by its work.

// Benchmarks run on a benchmarking machine, never in a block: a failing setup must stop
// the run loudly.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::float_arithmetic
)]

use super::*;
use crate::Pallet as MlBounties;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::pallet_prelude::TransactionSource;
use frame_support::{
	pallet_prelude::Get,
	traits::{fungible::Mutate, Hooks, StorePreimage},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use modelchain_nn::{Dataset, Dense, InputSpec, Labels, Layer, Metric, Model, OutputKind, Requant};
use polkadot_sdk::frame_benchmarking;
use sp_runtime::traits::{Bounded, DispatchTransaction};

/// Inputs of every benchmark task (the digits shape).
const INPUTS: u32 = 64;
/// Bytes of one sample in a dataset blob: its inputs and a class label.
const SAMPLE_BYTES: u32 = INPUTS + 4;

/// A valid classifier with `INPUTS` inputs, `hidden` hidden units and 10 classes: its cost
/// and blob both grow with `hidden × (INPUTS + 10)`.
fn dense_model(hidden: u32) -> Vec<u8> {
	let dense = |i: u32, o: u32| {
		Layer::Dense(Dense {
			in_features: i,
			out_features: o,
			weights: (0..i * o).map(|k| (k % 251) as i8 - 125).collect(),
			bias: vec![0; o as usize],
			input_zero_point: 0,
			output_zero_point: 0,
			requant: vec![Requant { multiplier: 1, shift: 8 }],
		})
	};
	Model {
		input: InputSpec { shape: vec![INPUTS], scale: 1, scale_shift: 0, zero_point: 0 },
		layers: vec![dense(INPUTS, hidden), dense(hidden, 10)],
		output: OutputKind::Class,
	}
	.encode_blob()
}

/// The cost of `dense_model(hidden)`.
fn model_cost(blob: &[u8]) -> u64 {
	Model::decode_blob(blob, &modelchain_nn::Bounds::default()).unwrap().cost()
}

/// A dataset blob of `samples` digits-shaped samples (salted by `seed`, so chunks differ).
fn dataset(samples: u32, seed: u8) -> Vec<u8> {
	Dataset {
		input_len: INPUTS,
		inputs: (0..samples * INPUTS).map(|i| (i as u8).wrapping_add(seed) as i8).collect(),
		labels: Labels::Class((0..samples).map(|i| i % 10).collect()),
	}
	.encode_blob()
}

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	// Many accounts: a share small enough that total issuance never overflows.
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000_000u32.into());
	who
}

fn hash(blob: &[u8]) -> Hash {
	polkadot_sdk::sp_io::hashing::blake2_256(blob).into()
}

/// The salt of every benchmark commitment.
const SALT: [u8; 32] = [7; 32];

/// Terms for `test_chunks` test chunks of up to `samples` samples and models costing up to
/// `model_cost`, `submissions` submissions, one training chunk, shortest periods.
/// The evaluation fee pays the most evaluators any parameters can draw.
fn terms<T: Config>(test_chunks: u32, samples: u32, model_cost: u64, submissions: u32) -> TermsOf<T> {
	let period = T::MinPeriod::get();
	let mut terms = Terms {
		input_len: INPUTS,
		output: OutputShape::Classes(10),
		metric: Metric::Accuracy,
		min_score: 0,
		reward: 1_000_000u32.into(),
		trainer_stake: 1_000u32.into(),
		evaluation_fee: 0u32.into(),
		test_chunks,
		validation_chunks: 0,
		max_chunk_samples: samples,
		max_model_cost: model_cost,
		max_submissions: submissions,
		data_period: period,
		submission_period: period,
		reveal_period: period,
		challenge_period: period,
		payout: Payout::WinnerTakesAll,
	};
	terms.evaluation_fee = MlBounties::<T>::evaluation_fee_for(&terms, T::MaxEvaluators::get())
		.expect("benchmark terms are within MaxEvaluationCost");
	terms
}

/// A bounty of `blobs` (the first `test_chunks` of which the split may draw as test data):
/// returns its id and its requester.
struct Setup<T: Config> {
	id: BountyId,
	requester: T::AccountId,
	blobs: Vec<Vec<u8>>,
}

fn salt(i: usize) -> [u8; 32] {
	[i as u8; 32]
}

fn create<T: Config>(blobs: Vec<Vec<u8>>, terms: TermsOf<T>) -> Setup<T> {
	let requester = funded::<T>("requester", 0);
	let id = NextBountyId::<T>::get();
	let chunks = blobs.iter().enumerate().map(|(i, b)| chunk_commitment(&hash(b), &salt(i))).collect();
	MlBounties::<T>::create_bounty(
		RawOrigin::Signed(requester.clone()).into(),
		BoundedVec::truncate_from(vec![1u8; T::MaxMetadataLen::get() as usize]),
		terms,
		BoundedVec::truncate_from(chunks),
	)
	.expect("benchmark terms are valid");
	Setup { id, requester, blobs }
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

/// Ends the current phase of bounty `id` as its deadline's block would.
fn end_phase<T: Config>(id: BountyId) {
	let deadline = Bounties::<T>::get(id).expect("exists").deadline;
	if now::<T>() < deadline {
		frame_system::Pallet::<T>::set_block_number(deadline);
	}
	MlBounties::<T>::on_initialize(now::<T>());
}

fn role<T: Config>(id: BountyId, chunk: u32) -> ChunkRole {
	Chunks::<T>::get(id, chunk).expect("exists").role
}

fn reveal_chunks<T: Config>(s: &Setup<T>, which: ChunkRole) {
	for (i, blob) in s.blobs.iter().enumerate() {
		if role::<T>(s.id, i as u32) == which {
			let _ = T::Preimages::note(blob.clone().into());
			MlBounties::<T>::reveal_chunk(
				RawOrigin::Signed(s.requester.clone()).into(),
				s.id,
				i as u32,
				hash(blob),
				salt(i),
				None,
			)
			.expect("benchmark chunks reveal");
		}
	}
}

/// Split drawn and data revealed: submissions are open.
fn open<T: Config>(blobs: Vec<Vec<u8>>, terms: TermsOf<T>) -> Setup<T> {
	let s = create::<T>(blobs, terms);
	end_phase::<T>(s.id);
	reveal_chunks::<T>(&s, ChunkRole::Training);
	assert_eq!(Bounties::<T>::get(s.id).unwrap().phase, Phase::Submission);
	s
}

/// `n` trainers commit `model`; returns them.
fn submit_all<T: Config>(id: BountyId, model: &[u8], n: u32) -> Vec<T::AccountId> {
	(0..n)
		.map(|i| {
			let trainer = funded::<T>("trainer", i);
			let c = model_commitment(id, &trainer, &hash(model), &SALT);
			MlBounties::<T>::submit(RawOrigin::Signed(trainer.clone()).into(), id, c).expect("submits");
			trainer
		})
		.collect()
}

/// Submissions closed, test set and `n` models revealed, `r` evaluators drawn.
fn evaluating<T: Config>(n: u32, r: u32, test_chunks: u32, samples: u32, model: Vec<u8>) -> Setup<T> {
	for i in 0..r.max(1) {
		T::Workers::make_benchmark_worker(&account("worker", i, 0)).expect("benchmark workers can be made");
	}
	if r == 0 {
		EvaluationParams::<T>::kill();
	} else {
		EvaluationParams::<T>::put(EvaluationParameters { evaluators: r, quorum: r / 2 + 1 });
	}
	let blobs = (0..=test_chunks).map(|i| dataset(samples, i as u8)).collect();
	let s = open::<T>(blobs, terms::<T>(test_chunks, samples, model_cost(&model), n));
	let trainers = submit_all::<T>(s.id, &model, n);
	end_phase::<T>(s.id);
	reveal_chunks::<T>(&s, ChunkRole::Test);
	let _ = T::Preimages::note(model.clone().into());
	for (i, t) in trainers.iter().enumerate() {
		MlBounties::<T>::reveal_model(
			RawOrigin::Signed(t.clone()).into(),
			s.id,
			i as u32,
			hash(&model),
			SALT,
			Some(1u32.into()),
		)
		.expect("models reveal");
	}
	end_phase::<T>(s.id);
	s
}

fn key_origin<T: Config>(worker: &T::AccountId) -> <T as frame_system::Config>::RuntimeOrigin {
	RawOrigin::Signed(T::Workers::key_of_worker(worker).expect("benchmark workers have keys")).into()
}

fn commit<T: Config>(id: BountyId, w: &T::AccountId, scores: &[ScoreValue]) {
	let c = scores_commitment(id, w, scores, &SALT);
	MlBounties::<T>::submit_scores(key_origin::<T>(w), id, ScoreSubmission::Commit(c)).expect("commits");
}

fn reveal<T: Config>(id: BountyId, w: &T::AccountId, scores: &[ScoreValue]) {
	let entry = ScoreSubmission::Reveal(BoundedVec::truncate_from(scores.to_vec()), SALT);
	MlBounties::<T>::submit_scores(key_origin::<T>(w), id, entry).expect("reveals");
}

#[benchmarks(where <T as frame_system::Config>::RuntimeCall: frame_support::traits::IsSubType<Call<T>> + From<Call<T>> + sp_runtime::traits::Dispatchable<Info = frame_support::dispatch::DispatchInfo>, T: Send + Sync)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_bounty(c: Linear<2, { T::MaxChunks::get() }>, m: Linear<0, { T::MaxMetadataLen::get() }>) {
		let requester = funded::<T>("requester", 0);
		let chunks = BoundedVec::truncate_from((0..c).map(|i| [i as u8; 32]).collect::<Vec<_>>());
		let terms = terms::<T>(1, 1, 1, 1);
		let metadata = BoundedVec::truncate_from(vec![1u8; m as usize]);
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), metadata, terms, chunks);
		assert!(Bounties::<T>::contains_key(0));
	}

	/// A test chunk of `b` bytes: fetched, decoded and checked.
	#[benchmark]
	fn reveal_chunk(b: Linear<1_000, { T::DatasetBounds::get().max_blob_len }>) {
		let samples = (b / SAMPLE_BYTES).clamp(1, T::DatasetBounds::get().max_samples);
		let cost = (T::MaxVerifyCost::get() / u64::from(samples)).min(T::Models::bounds().max_cost).max(1);
		let s = open::<T>(vec![dataset(samples, 1), dataset(1, 2)], terms::<T>(1, samples, cost, 1));
		submit_all::<T>(s.id, &dense_model(2), 1);
		end_phase::<T>(s.id);
		let test = (0..2).find(|i| role::<T>(s.id, *i) == ChunkRole::Test).unwrap();
		let blob = s.blobs[test as usize].clone();
		let _ = T::Preimages::note(blob.clone().into());
		#[extrinsic_call]
		_(RawOrigin::Signed(s.requester.clone()), s.id, test, hash(&blob), salt(test as usize), None);
		assert_eq!(Bounties::<T>::get(s.id).unwrap().test_revealed, 1);
	}

	#[benchmark]
	fn submit() {
		let s = open::<T>(vec![dataset(1, 1), dataset(1, 2)], terms::<T>(1, 1, 1, T::MaxSubmissions::get()));
		let trainer = funded::<T>("trainer", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), s.id, [1; 32]);
		assert_eq!(Bounties::<T>::get(s.id).unwrap().submissions, 1);
	}

	#[benchmark]
	fn withdraw() {
		let s = open::<T>(vec![dataset(1, 1), dataset(1, 2)], terms::<T>(1, 1, 1, 1));
		let trainer = submit_all::<T>(s.id, &dense_model(2), 1).remove(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), s.id, 0);
		assert_eq!(Bounties::<T>::get(s.id).unwrap().submissions, 0);
	}

	/// A model blob of about `b` bytes: fetched, decoded, validated.
	#[benchmark]
	fn reveal_model(b: Linear<1_000, { T::Models::bounds().max_blob_len }>) {
		let bounds = T::Models::bounds();
		// Within every bound: parameters, dimensions, tensor length, multiply-accumulates and
		// cost all grow with `hidden`.
		let by_work =
			(bounds.max_macs.min(bounds.max_cost) / (u64::from(INPUTS + 10) + modelchain_nn::WRITE_COST)) as u32;
		let by_parameters = (bounds.max_parameters / u64::from(INPUTS + 11)) as u32;
		let limit = bounds.max_dimension.min(bounds.max_tensor_len).min(by_parameters).min(by_work);
		// About 78 bytes per hidden unit (weights and bias) plus a header.
		let hidden = (b / (INPUTS + 20)).clamp(1, limit.max(1));
		let model = dense_model(hidden);
		let s = open::<T>(vec![dataset(1, 1), dataset(1, 2)], terms::<T>(1, 1, model_cost(&model), 1));
		let trainer = submit_all::<T>(s.id, &model, 1).remove(0);
		end_phase::<T>(s.id);
		let _ = T::Preimages::note(model.clone().into());
		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), s.id, 0, hash(&model), SALT, Some(1u32.into()));
		assert_eq!(Bounties::<T>::get(s.id).unwrap().revealed, 1);
	}

	/// The last reveal of `r` evaluators scoring `n` submissions: it tallies, and one
	/// evaluator disagrees on every score (a report each).
	#[benchmark]
	fn submit_scores(n: Linear<1, { T::MaxSubmissions::get() }>, r: Linear<1, { T::MaxEvaluators::get() }>) {
		let s = evaluating::<T>(n, r, 1, 1, dense_model(2));
		let evaluation = Evaluations::<T>::get(s.id).expect("evaluators drawn");
		let evaluators = evaluation.evaluators.to_vec();
		assert_eq!(evaluators.len() as u32, r);
		let right: Vec<ScoreValue> = (0..n).map(|_| Some(1)).collect();
		let wrong: Vec<ScoreValue> = (0..n).map(|_| Some(2)).collect();
		let row = |i: usize| if i == 0 && r > 1 { &wrong } else { &right };
		for (i, w) in evaluators.iter().enumerate() {
			commit::<T>(s.id, w, row(i));
		}
		for (i, w) in evaluators.iter().enumerate().skip(1) {
			reveal::<T>(s.id, w, row(i));
		}
		let last = evaluators[0].clone();
		let entry = ScoreSubmission::Reveal(BoundedVec::truncate_from(row(0).clone()), SALT);
		#[extrinsic_call]
		_(key_origin::<T>(&last), s.id, entry);
		assert_eq!(Bounties::<T>::get(s.id).unwrap().phase, Phase::Scored);
	}

	/// Pool validation of a reveal (the costliest step: the commitment is recomputed) by one
	/// of `r` evaluators of `n` submissions, every evaluator having committed.
	#[benchmark]
	fn check_scores(n: Linear<1, { T::MaxSubmissions::get() }>, r: Linear<1, { T::MaxEvaluators::get() }>) {
		let s = evaluating::<T>(n, r, 1, 1, dense_model(2));
		let evaluators = Evaluations::<T>::get(s.id).expect("evaluators drawn").evaluators.to_vec();
		let scores: Vec<ScoreValue> = (0..n).map(|_| Some(1)).collect();
		for w in evaluators.iter() {
			commit::<T>(s.id, w, &scores);
		}
		let call: <T as frame_system::Config>::RuntimeCall = Call::<T>::submit_scores {
			bounty: s.id,
			submission: ScoreSubmission::Reveal(BoundedVec::truncate_from(scores), SALT),
		}
		.into();
		let info = frame_support::dispatch::DispatchInfo::default();
		let origin = key_origin::<T>(&evaluators[0]);
		let valid;

		#[block]
		{
			valid = CheckScoreSubmissions::<T>::new()
				.validate_only(origin, &call, &info, 0, TransactionSource::External, 0)
				.map(|(v, _, _)| v);
		}

		assert_eq!(valid.unwrap().provides.len(), 1);
	}

	#[benchmark]
	fn challenge_score() {
		let s = evaluating::<T>(1, 1, 1, 1, dense_model(2));
		let w = Evaluations::<T>::get(s.id).unwrap().evaluators[0].clone();
		commit::<T>(s.id, &w, &[Some(1)]);
		reveal::<T>(s.id, &w, &[Some(1)]);
		let challenger = funded::<T>("challenger", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), s.id, 0);
		assert!(Verifications::<T>::contains_key(s.id, 0));
	}

	/// One verification step of `c` thousand units of work (a model on a chunk: as many
	/// samples as the dataset bounds allow, and a model as costly as the rest of the work
	/// takes), the last one of the score (it settles the evaluators).
	#[benchmark]
	fn verify_score(c: Linear<1, { (T::MaxVerifyCost::get() / 1_000) as u32 }>) {
		let work = u64::from(c) * 1_000;
		let bounds = T::DatasetBounds::get();
		let most = u64::from(bounds.max_samples.min(bounds.max_blob_len.saturating_sub(64) / SAMPLE_BYTES));
		// A model of `hidden` units costs a little over 98 units a sample (74 multiply-
		// accumulates and a write; the terms must allow it: cost × samples within
		// `MaxVerifyCost`).
		let per_hidden = u64::from(INPUTS + 10) + modelchain_nn::WRITE_COST;
		let samples = (work / 800).clamp(1, most.max(1)) as u32;
		let mut hidden = ((work / u64::from(samples)) / per_hidden).clamp(1, 800) as u32;
		while hidden > 1 && model_cost(&dense_model(hidden)) * u64::from(samples) > T::MaxVerifyCost::get() {
			hidden -= 1;
		}
		let model = dense_model(hidden);
		let s = evaluating::<T>(1, 0, 1, samples, model);
		assert!(Verifications::<T>::contains_key(s.id, 0), "no evaluators: the chain computes the score");
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), s.id, 0, 0);
		assert!(matches!(Submissions::<T>::get(s.id, 0).unwrap().score, Some(ScoreState::Verified(_))));
	}

	/// The costliest phase end: finalizing `n` scored submissions (ranking, payouts, the
	/// winner listed, every stake and blob released).
	#[benchmark]
	fn advance(n: Linear<1, { T::MaxSubmissions::get() }>) {
		let s = evaluating::<T>(n, 1, 1, 1, dense_model(2));
		let w = Evaluations::<T>::get(s.id).unwrap().evaluators[0].clone();
		let scores: Vec<ScoreValue> = (0..n).map(Into::into).map(Some).collect();
		commit::<T>(s.id, &w, &scores);
		reveal::<T>(s.id, &w, &scores);
		let deadline = Bounties::<T>::get(s.id).unwrap().deadline;
		frame_system::Pallet::<T>::set_block_number(deadline);
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), s.id);
		assert_eq!(Bounties::<T>::get(s.id).unwrap().phase, Phase::Finalized);
	}

	/// The block hook's cost per stale deadline entry (or empty block examined).
	#[benchmark]
	fn deadline_empty() {
		let s = create::<T>(vec![dataset(1, 1), dataset(1, 2)], terms::<T>(1, 1, 1, 1));
		let deadline = Bounties::<T>::get(s.id).unwrap().deadline;
		// A stale entry: the bounty's deadline is elsewhere.
		Bounties::<T>::mutate(s.id, |b| b.as_mut().unwrap().deadline = deadline + 100u32.into());
		frame_system::Pallet::<T>::set_block_number(deadline);
		#[block]
		{
			MlBounties::<T>::on_initialize(deadline);
		}
		assert_eq!(Bounties::<T>::get(s.id).unwrap().phase, Phase::Split);
	}

	#[benchmark]
	fn set_evaluation_parameters() {
		let params = EvaluationParameters { evaluators: 1, quorum: 1 };
		#[extrinsic_call]
		_(RawOrigin::Root, params);
		assert_eq!(EvaluationParams::<T>::get(), Some(params));
	}

	impl_benchmark_test_suite!(MlBounties, crate::mock::ExtBuilder.build(), crate::mock::Test);
}
