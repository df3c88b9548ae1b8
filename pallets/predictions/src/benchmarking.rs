//! Benchmarks: every call in its worst case, and the block hook's per-request work.

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
use crate::Pallet as Predictions;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{fungible::Mutate, Get, Hooks},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use modelchain_nn::{Dense, InputSpec, Layer, Model, OutputKind, Requant};
use modelchain_primitives::models::ModelId;
use polkadot_sdk::frame_benchmarking;
use sp_runtime::traits::{Bounded, DispatchTransaction};

/// A valid classifier with `inputs` inputs, a hidden layer of `hidden` units and 10 classes:
/// its cost and blob both grow with `hidden × (inputs + 10)`.
fn dense_model(inputs: u32, hidden: u32) -> Vec<u8> {
	let dense = |i: u32, o: u32| {
		Layer::Dense(Dense {
			in_features: i,
			out_features: o,
			weights: (0..i.saturating_mul(o)).map(|k| (k % 251) as i8 - 125).collect(),
			bias: vec![0; o as usize],
			input_zero_point: 0,
			output_zero_point: 0,
			requant: vec![Requant { multiplier: 1, shift: 8 }],
		})
	};
	Model {
		input: InputSpec { shape: vec![inputs], scale: 1, scale_shift: 0, zero_point: 0 },
		layers: vec![dense(inputs, hidden), dense(hidden, 10)],
		output: OutputKind::Class,
	}
	.encode_blob()
}

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 4u32.into());
	who
}

/// At least `r` active workers, parameters assigning every active worker to each request (so
/// the benchmark knows who is assigned whatever the draw), and a model with `inputs` inputs.
/// Returns the model and the redundancy.
fn setup<T: Config>(r: u32, inputs: u32) -> (ModelId, u32) {
	setup_with::<T>(r, inputs, 10)
}

/// [`setup`] with a hidden layer of `hidden` units.
fn setup_with<T: Config>(r: u32, inputs: u32, hidden: u32) -> (ModelId, u32) {
	let existing = T::Workers::active_worker_count();
	for i in existing..r {
		let w: T::AccountId = account("worker", i, 0);
		T::Workers::make_benchmark_worker(&w).expect("benchmark workers can be made");
	}
	let redundancy = T::Workers::active_worker_count().min(T::MaxRedundancy::get());
	let quorum = redundancy / 2 + 1;
	Params::<T>::put(Parameters { redundancy, quorum, worker_fee: 1_000u32.into() });
	let owner = funded::<T>("owner", 0);
	let model = T::Models::make_benchmark_model(&owner, dense_model(inputs, hidden), 1_000u32.into())
		.expect("benchmark models can be registered");
	(model, redundancy)
}

/// The workers assigned to request `id`, sorted so every request lists them in one order.
fn assigned<T: Config>(id: RequestId) -> Vec<T::AccountId> {
	let mut workers = Requests::<T>::get(id).expect("open").workers.into_inner();
	workers.sort();
	workers
}

fn make_request<T: Config>(model: ModelId, inputs: u32) -> RequestId {
	let requester = funded::<T>("requester", 0);
	let id = NextRequestId::<T>::get();
	let input: BoundedVec<i8, T::MaxInputLen> = vec![1i8; inputs as usize].try_into().expect("within MaxInputLen");
	Predictions::<T>::request_prediction(
		RawOrigin::Signed(requester).into(),
		model,
		input,
		BalanceOf::<T>::max_value() / 8u32.into(),
	)
	.expect("request succeeds");
	id
}

/// The origin of `worker`'s answers: its worker key.
fn key_origin<T: Config>(worker: &T::AccountId) -> <T as frame_system::Config>::RuntimeOrigin {
	RawOrigin::Signed(T::Workers::key_of_worker(worker).expect("benchmark workers have keys")).into()
}

fn answer_of<T: Config>(id: RequestId) -> Prediction<T::MaxOutputLen> {
	let req = Requests::<T>::get(id).expect("open");
	let model = T::Models::load(req.model).expect("loads");
	Prediction::from_output(model.run(&req.input).expect("runs")).expect("fits")
}

#[benchmarks(where <T as frame_system::Config>::RuntimeCall: frame_support::traits::IsSubType<Call<T>> + From<Call<T>> + sp_runtime::traits::Dispatchable<Info = frame_support::dispatch::DispatchInfo>, T: Send + Sync)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn request_prediction(i: Linear<1, { T::MaxInputLen::get() }>, r: Linear<1, { T::MaxRedundancy::get() }>) {
		let (model, _) = setup::<T>(r, i);
		let requester = funded::<T>("requester", 0);
		let input: BoundedVec<i8, T::MaxInputLen> = vec![1i8; i as usize].try_into().unwrap();

		#[extrinsic_call]
		_(RawOrigin::Signed(requester), model, input, BalanceOf::<T>::max_value() / 8u32.into());

		assert_eq!(NextRequestId::<T>::get(), 1);
	}

	/// `n` answers, each the one that completes its request's quorum after `quorum - 1`
	/// matching answers and the rest differing (the most payouts and slashes).
	#[benchmark]
	fn submit_predictions(
		n: Linear<1, { T::MaxAnswersPerSubmission::get() }>,
		r: Linear<1, { T::MaxRedundancy::get() }>,
	) {
		let (model, redundancy) = setup::<T>(r, 64);
		let quorum = redundancy / 2 + 1;
		let mut answers = Vec::new();
		let mut last = None;
		for _ in 0..n {
			let id = make_request::<T>(model, 64);
			let workers = assigned::<T>(id);
			let right = answer_of::<T>(id);
			let wrong = match &right {
				Prediction::Class(c) => Prediction::Class((c + 1) % 10),
				Prediction::Regression(_) => unreachable!("a classifier"),
			};
			// Everyone after the deciding worker answers wrongly first, to be slashed.
			for w in workers.iter().skip(quorum as usize) {
				Predictions::<T>::submit_predictions(key_origin::<T>(w), vec![(id, wrong.clone())].try_into().unwrap())
					.unwrap();
			}
			for w in workers.iter().take(quorum as usize - 1) {
				Predictions::<T>::submit_predictions(key_origin::<T>(w), vec![(id, right.clone())].try_into().unwrap())
					.unwrap();
			}
			last = Some(workers[quorum as usize - 1].clone());
			answers.push((id, right));
		}
		let last = T::Workers::key_of_worker(&last.expect("n >= 1")).expect("benchmark workers have keys");
		let answers: BoundedVec<_, T::MaxAnswersPerSubmission> = answers.try_into().unwrap();

		#[extrinsic_call]
		_(RawOrigin::Signed(last), answers);

		assert_eq!(Results::<T>::iter().count() as u32, n);
	}

	/// Re-execution of a model whose cost and blob are about `c` thousand units (up to 2 M, a
	/// 2 MB blob; the weight is linear in `c` beyond); the challenge is upheld (the stored
	/// result is wrong), which reports and claws back every agreeing worker and cancels the
	/// dissenters' offences.
	#[benchmark]
	fn challenge(c: Linear<1, 2_000>) {
		let r = T::MaxRedundancy::get();
		// 64 inputs, `hidden × 74` weights and MACs: about `c` thousand of each.
		let inputs = 64;
		let hidden = c.saturating_mul(1_000) / 74 + 1;
		let (model, _) = setup_with::<T>(r, inputs, hidden);
		let id = make_request::<T>(model, inputs);
		let workers = assigned::<T>(id);
		let right = answer_of::<T>(id);
		let wrong = match right {
			Prediction::Class(c) => Prediction::Class((c + 1) % 10),
			Prediction::Regression(_) => unreachable!("a classifier"),
		};
		// A wrong quorum, and every other worker dissenting with the right answer.
		let quorum = Requests::<T>::get(id).expect("open").quorum as usize;
		for w in workers.iter().skip(quorum) {
			let _ =
				Predictions::<T>::submit_predictions(key_origin::<T>(w), vec![(id, right.clone())].try_into().unwrap());
		}
		for w in workers.iter().take(quorum) {
			let _ =
				Predictions::<T>::submit_predictions(key_origin::<T>(w), vec![(id, wrong.clone())].try_into().unwrap());
		}
		assert!(Results::<T>::contains_key(id));
		let challenger = funded::<T>("challenger", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), id);

		assert!(Results::<T>::get(id).unwrap().challenged);
	}

	#[benchmark]
	fn set_parameters() {
		let params = Parameters { redundancy: 3, quorum: 2, worker_fee: 5u32.into() };

		#[extrinsic_call]
		_(RawOrigin::Root, params.clone());

		assert_eq!(Params::<T>::get(), Some(params));
	}

	/// `n` requests expire in one block, none answered: refunds and `r` liveness reports each.
	#[benchmark]
	fn expire_requests(n: Linear<0, { T::MaxQueueWorkPerBlock::get() }>, r: Linear<1, { T::MaxRedundancy::get() }>) {
		let (model, _) = setup::<T>(r, 64);
		for _ in 0..n {
			make_request::<T>(model, 64);
		}
		let due = frame_system::Pallet::<T>::block_number() + T::AnswerWindow::get() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Predictions::<T>::on_initialize(due);
		}

		assert_eq!(Requests::<T>::iter().count(), 0);
	}

	#[benchmark]
	fn prune_results(n: Linear<0, { T::MaxQueueWorkPerBlock::get() }>) {
		let (model, _) = setup::<T>(1, 64);
		for _ in 0..n {
			let id = make_request::<T>(model, 64);
			let answer = answer_of::<T>(id);
			for w in assigned::<T>(id) {
				let _ = Predictions::<T>::submit_predictions(
					key_origin::<T>(&w),
					vec![(id, answer.clone())].try_into().unwrap(),
				);
			}
			assert!(Results::<T>::contains_key(id));
		}
		let due: BlockNumberFor<T> = frame_system::Pallet::<T>::block_number() + T::RetentionPeriod::get();
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Predictions::<T>::on_initialize(due);
		}

		assert_eq!(Results::<T>::iter().count(), 0);
	}

	/// Pool validation of a submission of `n` answers.
	#[benchmark]
	fn check_answers(n: Linear<1, { T::MaxAnswersPerSubmission::get() }>) {
		let (model, _) = setup::<T>(1, 64);
		let answers: Vec<_> = (0..n)
			.map(|_| {
				let id = make_request::<T>(model, 64);
				(id, answer_of::<T>(id))
			})
			.collect();
		let call: <T as frame_system::Config>::RuntimeCall =
			Call::<T>::submit_predictions { answers: answers.try_into().unwrap() }.into();
		let info = frame_support::dispatch::DispatchInfo::default();
		let origin = key_origin::<T>(&assigned::<T>(0)[0]);
		let valid;

		#[block]
		{
			valid = CheckPredictionAnswers::<T>::new()
				.validate_only(origin, &call, &info, 0, TransactionSource::External, 0)
				.map(|(v, _, _)| v);
		}

		assert_eq!(valid.unwrap().provides.len() as u32, n);
	}

	impl_benchmark_test_suite!(Predictions, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
