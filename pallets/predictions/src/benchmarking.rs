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
	setup_model::<T>(r, dense_model(inputs, 10))
}

/// At least `n` drawable workers.
fn setup_workers<T: Config>(n: u32) {
	let existing = T::Workers::active_worker_count();
	for i in existing..n {
		let w: T::AccountId = account("worker", i, 0);
		T::Workers::make_benchmark_worker(&w).expect("benchmark workers can be made");
	}
}

/// At least `r` workers, parameters assigning every active worker, and `blob` registered.
fn setup_model<T: Config>(r: u32, blob: Vec<u8>) -> (ModelId, u32) {
	setup_workers::<T>(r);
	let redundancy = T::Workers::active_worker_count().min(T::MaxRedundancy::get());
	let quorum = redundancy / 2 + 1;
	Params::<T>::put(Parameters { redundancy, quorum, worker_fee: 1_000u32.into() });
	let owner = funded::<T>("owner", 0);
	let model =
		T::Models::make_benchmark_model(&owner, blob, 1_000u32.into()).expect("benchmark models can be registered");
	(model, redundancy)
}

/// The layer families whose time per unit of cost differs from dense layers'.
#[derive(Clone, Copy)]
enum Family {
	/// 1x1 convolutions over 16 channels: little work per loaded input. (32 channels until
	/// spec 101; under its cost rule one such layer on the 64x64 input alone passes
	/// `max_cost`.)
	Conv1x1,
	/// 3x3 convolutions over 8 channels (16 until spec 101).
	Conv3x3,
	/// 15x15 max pooling: comparisons, no multiply-accumulate.
	Pool,
	/// Lookup tables: one step per element.
	Lut,
}

/// A model of `family` costing about `c` thousand units (never more than `bounds` allow):
/// an `input x input` single-channel input, a 1x1 convolution that widens it (by padding) to
/// `side x side` with the family's channels, as many layers of the family as the cost
/// allows, and a max pool down to between 10 and 32 classes.
fn family_model(family: Family, c: u32, input: u32, bounds: &modelchain_nn::Bounds) -> Vec<u8> {
	use modelchain_nn::{Conv2d, Lut, LutKind, MaxPool2d, Padding};
	use modelchain_nn::{ELEMENT_COST, ROW_COST, WINDOW_COST, WRITE_COST};
	let target = u64::from(c) * 1_000;
	// Channels, and cost units per element of one layer (`Model::cost`: a convolution's
	// multiply-accumulates, kernel rows, write and window, a pool's comparisons, rows, write
	// and window, a table's lookup).
	let window = |macs: u64, rows: u64| macs + rows * ROW_COST + WRITE_COST + WINDOW_COST;
	let (channels, per_element) = match family {
		Family::Conv1x1 => (16u32, window(16, 16)),
		Family::Conv3x3 => (8, window(8 * 9, 8 * 3)),
		Family::Pool => (1, window(225, 15)),
		Family::Lut => (1, ELEMENT_COST),
	};
	// Units per element of the widening convolution (`window(1, 1)`) and the last pool (a
	// little over one), and the per-layer constants, rounded up.
	let overhead = window(1, 1) + 3;
	// The widest tensor the bounds allow, or less for a small target.
	let mut max_side = (u64::from(bounds.max_tensor_len) / u64::from(channels)).isqrt();
	// One layer plus the widening and the last layers within nine tenths of `max_cost` (the
	// rest for the input, the run and the per-layer constants).
	max_side = max_side.min((bounds.max_cost / 10 * 9 / (u64::from(channels) * (per_element + overhead))).isqrt());
	let macs_per_element = match family {
		Family::Conv1x1 => 16,
		Family::Conv3x3 => 8 * 9,
		Family::Pool | Family::Lut => 0,
	};
	if macs_per_element > 0 {
		// One layer plus the widening convolution must stay within `max_macs`.
		max_side = max_side.min((bounds.max_macs / (u64::from(channels) * (macs_per_element + 1))).isqrt());
	}
	let wanted_side = (target / (u64::from(channels) * per_element)).max(1).isqrt() + 1;
	let side = wanted_side.clamp(u64::from(input), max_side.max(u64::from(input))) as u32;
	let elements = u64::from(side) * u64::from(side) * u64::from(channels);
	let per_layer = elements * per_element + modelchain_nn::LAYER_COST;
	// The widening convolution, the global pool, the input and the run.
	let budget = target.min(bounds.max_cost).saturating_sub(overhead * elements + 4 * u64::from(input * input) + 1_000);
	// Convolutions are bounded by multiply-accumulates too (the widening one does `elements`).
	let macs_per_layer = elements * macs_per_element;
	let by_macs = bounds.max_macs.saturating_sub(elements).checked_div(macs_per_layer).unwrap_or(u64::MAX);
	let layers =
		(budget / per_layer).min(by_macs).clamp(1, u64::from(bounds.max_layers.saturating_sub(4)).max(1)) as usize;
	let pad = (side - input) / 2;
	let conv = |cin: u32, cout: u32, k: u32, p: Padding| {
		Layer::Conv2d(Conv2d {
			in_channels: cin,
			out_channels: cout,
			kernel_h: k,
			kernel_w: k,
			stride_h: 1,
			stride_w: 1,
			padding: p,
			weights: (0..cin * cout * k * k).map(|i| (i % 7) as i8 - 3).collect(),
			bias: vec![1; cout as usize],
			input_zero_point: 0,
			output_zero_point: 0,
			requant: vec![Requant { multiplier: 1 << 20, shift: 24 }],
		})
	};
	let widen = Padding { top: pad, left: pad, bottom: side - input - pad, right: side - input - pad };
	let mut all = vec![conv(1, channels, 1, widen)];
	let layer = match family {
		Family::Conv1x1 => conv(channels, channels, 1, Padding::default()),
		Family::Conv3x3 => conv(channels, channels, 3, Padding { top: 1, left: 1, bottom: 1, right: 1 }),
		Family::Pool => Layer::MaxPool2d(MaxPool2d {
			kernel_h: 15,
			kernel_w: 15,
			stride_h: 1,
			stride_w: 1,
			padding: Padding { top: 7, left: 7, bottom: 7, right: 7 },
		}),
		Family::Lut => {
			let mut table = [0i8; 256];
			for (i, t) in table.iter_mut().enumerate() {
				*t = (i as i32 - 128).clamp(-100, 100) as i8;
			}
			Layer::Lut(Lut { kind: LutKind::Tanh, table })
		}
	};
	all.extend(core::iter::repeat_n(layer, layers));
	// Ten to 32 classes, so a wrong answer is still a valid one: one per channel (16), a 2x2
	// grid per channel (8), or a 4x4 grid of one channel.
	let grid = match channels {
		10.. => 1,
		2..=9 => 2,
		_ => 4,
	};
	let last = (side / grid).max(1);
	all.push(Layer::MaxPool2d(MaxPool2d {
		kernel_h: last,
		kernel_w: last,
		stride_h: last,
		stride_w: last,
		padding: Padding::default(),
	}));
	all.push(Layer::Flatten);
	Model {
		input: InputSpec { shape: vec![1, input, input], scale: 1, scale_shift: 0, zero_point: 0 },
		layers: all,
		output: OutputKind::Class,
	}
	.encode_blob()
}

/// The side of the family models' square input: as large as `MaxInputLen` allows, at most 64.
fn family_input<T: Config>() -> u32 {
	T::MaxInputLen::get().isqrt().min(64)
}

/// The `challenge` of a wrong result of a model of `family` costing about `c` thousand units.
fn challenge_setup<T: Config>(family: Family, c: u32) -> (T::AccountId, RequestId) {
	let input = family_input::<T>();
	challenge_of::<T>(family_model(family, c, input, &T::Models::bounds()), input * input)
}

/// A challenger and a result of `blob`'s model (`inputs` input values) to challenge: the
/// worst case, a wrong quorum with every other worker dissenting rightly, so the challenge is
/// upheld, reports and claws back every agreeing worker and clears every dissenter.
fn challenge_of<T: Config>(blob: Vec<u8>, inputs: u32) -> (T::AccountId, RequestId) {
	let (model, _) = setup_model::<T>(T::MaxRedundancy::get(), blob);
	let id = make_request::<T>(model, inputs);
	let workers = assigned::<T>(id);
	let right = answer_of::<T>(id);
	let wrong = wrong_of::<T>(&right);
	let quorum = Requests::<T>::get(id).expect("open").quorum as usize;
	let outputs: Vec<_> = workers
		.iter()
		.enumerate()
		.map(|(i, w)| (w.clone(), if i < quorum { wrong.clone() } else { right.clone() }))
		.collect();
	commit_all::<T>(id, &outputs);
	for (w, p) in outputs.iter().skip(quorum).chain(outputs.iter().take(quorum)) {
		if Requests::<T>::contains_key(id) {
			send::<T>(w, id, answer_entry::<T>(id, p.clone()));
		}
	}
	assert!(Results::<T>::contains_key(id));
	(funded::<T>("challenger", 0), id)
}

/// The workers assigned to request `id`, sorted so every request lists them in one order.
fn assigned<T: Config>(id: RequestId) -> Vec<T::AccountId> {
	let mut workers = Requests::<T>::get(id).expect("open").workers.into_inner();
	workers.sort();
	workers
}

/// A request of `model`, not yet drawn.
fn request<T: Config>(model: ModelId, inputs: u32) -> RequestId {
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

/// `n` requests of `r` seats each made in this block, with enough workers that their draws
/// stay within capacity; returns the next block, in which they are due.
fn pending_draws<T: Config>(n: u32, r: u32) -> BlockNumberFor<T> {
	let (model, _) = setup::<T>(r, 64);
	let per_worker = T::MaxAssignmentsPerWorker::get().max(1);
	setup_workers::<T>((2 * n * r).div_ceil(per_worker).max(r));
	let params = Params::<T>::get().expect("set up");
	Params::<T>::put(Parameters { redundancy: r, quorum: r / 2 + 1, ..params });
	for _ in 0..n {
		request::<T>(model, 64);
	}
	let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
	frame_system::Pallet::<T>::set_block_number(next);
	next
}

/// Moves to the next block and draws every pending request there, as its hook would.
fn draw_pending<T: Config>() {
	let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
	frame_system::Pallet::<T>::set_block_number(next);
	Predictions::<T>::draw_due(next);
}

/// `n` requests of `model`, drawn: as many a block as `MaxPendingSeats` lets through (all in
/// one block with the runtime's bounds), each block's drawn in the next.
fn make_requests<T: Config>(model: ModelId, inputs: u32, n: u32) -> Vec<RequestId> {
	let seats = Params::<T>::get().expect("set up").redundancy.max(1);
	let per_block = (T::MaxPendingSeats::get() / seats).max(1);
	let mut ids = Vec::new();
	loop {
		let k = (n - ids.len() as u32).min(per_block);
		ids.extend((0..k).map(|_| request::<T>(model, inputs)));
		draw_pending::<T>();
		if ids.len() as u32 == n {
			return ids;
		}
	}
}

/// One request of `model`, drawn.
fn make_request<T: Config>(model: ModelId, inputs: u32) -> RequestId {
	make_requests::<T>(model, inputs, 1)[0]
}

/// The origin of `worker`'s answers: its worker key.
fn key_origin<T: Config>(worker: &T::AccountId) -> <T as frame_system::Config>::RuntimeOrigin {
	RawOrigin::Signed(T::Workers::key_of_worker(worker).expect("benchmark workers have keys")).into()
}

/// The salt benchmark workers commit with.
const SALT: [u8; 32] = [7; 32];

/// `worker` submits `entry` for request `id`.
fn send<T: Config>(worker: &T::AccountId, id: RequestId, entry: Submission<T::MaxOutputLen>) {
	Predictions::<T>::submit_predictions(key_origin::<T>(worker), vec![(id, entry)].try_into().unwrap())
		.expect("benchmark submissions are valid");
}

/// `worker`'s commitment to `p`.
fn commit_entry<T: Config>(
	id: RequestId,
	worker: &T::AccountId,
	p: &Prediction<T::MaxOutputLen>,
) -> Submission<T::MaxOutputLen> {
	Submission::Commit(commitment(id, worker, p, &SALT))
}

/// A wrong answer of the digits-shaped benchmark classifiers.
fn wrong_of<T: Config>(right: &Prediction<T::MaxOutputLen>) -> Prediction<T::MaxOutputLen> {
	match right {
		Prediction::Class(c) => Prediction::Class((c + 1) % 10),
		Prediction::Regression(_) => unreachable!("a classifier"),
	}
}

/// Every assigned worker of `id` commits to its output in `outputs` (in `assigned` order);
/// for quorum 1 nothing is committed.
fn commit_all<T: Config>(id: RequestId, outputs: &[(T::AccountId, Prediction<T::MaxOutputLen>)]) {
	if Requests::<T>::get(id).expect("open").quorum > 1 {
		for (w, p) in outputs {
			send::<T>(w, id, commit_entry::<T>(id, w, p));
		}
	}
}

/// The entry that makes `p` count for `worker`: a direct answer (quorum 1) or a reveal.
fn answer_entry<T: Config>(id: RequestId, p: Prediction<T::MaxOutputLen>) -> Submission<T::MaxOutputLen> {
	if Requests::<T>::get(id).expect("open").quorum > 1 {
		Submission::Reveal(p, SALT)
	} else {
		Submission::Answer(p)
	}
}

/// Every assigned worker of `id` gives the right output until the request is final.
fn settle_rightly<T: Config>(id: RequestId) {
	let right = answer_of::<T>(id);
	let outputs: Vec<_> = assigned::<T>(id).into_iter().map(|w| (w, right.clone())).collect();
	commit_all::<T>(id, &outputs);
	for (w, p) in outputs {
		if Requests::<T>::contains_key(id) {
			send::<T>(&w, id, answer_entry::<T>(id, p));
		}
	}
}

fn answer_of<T: Config>(id: RequestId) -> Prediction<T::MaxOutputLen> {
	let req = Requests::<T>::get(id).expect("open");
	let model = T::Models::load(req.model).expect("loads");
	Prediction::from_output(model.run(&req.input).expect("runs")).expect("fits")
}

/// `n` drawn requests of at least `r` workers (all the drawable ones, up to `MaxRedundancy`)
/// and, for each, the answer that completes its quorum after `quorum - 1` matching answers
/// and the rest differing (the most payouts and slashes), all from one worker: its key and
/// the entries.
fn deciding_answers<T: Config>(
	n: u32,
	r: u32,
) -> (T::AccountId, BoundedVec<crate::offchain::Answer<T>, T::MaxAnswersPerSubmission>) {
	let (model, redundancy) = setup::<T>(r, 64);
	let quorum = redundancy / 2 + 1;
	let mut answers = Vec::new();
	let mut last = None;
	for id in make_requests::<T>(model, 64, n) {
		let workers = assigned::<T>(id);
		let right = answer_of::<T>(id);
		let wrong = wrong_of::<T>(&right);
		// Everyone after the deciding worker is wrong, to be slashed; all commit, then
		// everyone but the deciding worker reveals (the wrong ones first).
		let outputs: Vec<_> = workers
			.iter()
			.enumerate()
			.map(|(i, w)| (w.clone(), if i < quorum as usize { right.clone() } else { wrong.clone() }))
			.collect();
		commit_all::<T>(id, &outputs);
		for (w, p) in outputs.iter().skip(quorum as usize) {
			send::<T>(w, id, answer_entry::<T>(id, p.clone()));
		}
		for (w, p) in outputs.iter().take(quorum as usize - 1) {
			send::<T>(w, id, answer_entry::<T>(id, p.clone()));
		}
		last = Some(workers[quorum as usize - 1].clone());
		answers.push((id, answer_entry::<T>(id, right)));
	}
	let key = T::Workers::key_of_worker(&last.expect("n >= 1")).expect("benchmark workers have keys");
	(key, answers.try_into().unwrap())
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

	/// `n` requests of inputs of `i` values in one call, at the largest redundancy that lets
	/// a full batch through `MaxPendingSeats` (`MaxRedundancy` with the runtime's bounds), with
	/// seats for all of them.
	#[benchmark]
	fn request_predictions(n: Linear<1, { T::MaxRequestsPerCall::get() }>, i: Linear<1, { T::MaxInputLen::get() }>) {
		let r = T::MaxRedundancy::get().min(T::MaxPendingSeats::get() / T::MaxRequestsPerCall::get()).max(1);
		let (model, _) = setup::<T>(r, i);
		let params = Params::<T>::get().expect("set up");
		Params::<T>::put(Parameters { redundancy: r, quorum: r / 2 + 1, ..params });
		let redundancy = r;
		let per_worker = T::MaxAssignmentsPerWorker::get().max(1);
		setup_workers::<T>((n * redundancy).div_ceil(per_worker).max(r));
		let requester = funded::<T>("requester", 0);
		let input: BoundedVec<i8, T::MaxInputLen> = vec![1i8; i as usize].try_into().unwrap();
		let inputs: BoundedVec<_, T::MaxRequestsPerCall> = vec![input; n as usize].try_into().unwrap();

		#[extrinsic_call]
		_(RawOrigin::Signed(requester), model, inputs, BalanceOf::<T>::max_value() / 8_000u32.into());

		assert_eq!(NextRequestId::<T>::get(), u64::from(n));
		assert_eq!(DrawQueueBounds::<T>::get().tail, u64::from(n));
	}

	/// `n` answers, each settling a request of one worker (the `development` preset's one
	/// worker): a direct answer that finalizes its request. Further workers of a settled
	/// request are `settle_workers`'.
	#[benchmark]
	fn submit_settling(n: Linear<1, { T::MaxAnswersPerSubmission::get() }>) {
		let (key, answers) = deciding_answers::<T>(n, 1);

		#[extrinsic_call]
		submit_predictions(RawOrigin::Signed(key), answers);

		assert_eq!(Results::<T>::iter().count() as u32, n);
	}

	/// One answer settling a request of `r` workers: the one that completes its quorum after
	/// `quorum - 1` matching answers and the rest differing (the most payouts and slashes).
	#[benchmark]
	fn settle_workers(r: Linear<1, { T::MaxRedundancy::get() }>) {
		let (key, answers) = deciding_answers::<T>(1, r);

		#[extrinsic_call]
		submit_predictions(RawOrigin::Signed(key), answers);

		assert_eq!(Results::<T>::iter().count(), 1);
	}

	/// `n` reveals that only record: each the first of its request of `MaxRedundancy`
	/// workers, all committed (an answer short of quorum unassigns its worker and records the
	/// answer; a commitment does less).
	#[benchmark]
	fn submit_unsettled(n: Linear<1, { T::MaxAnswersPerSubmission::get() }>) {
		let (model, _) = setup::<T>(T::MaxRedundancy::get(), 64);
		let mut answers = Vec::new();
		let mut signer = None;
		for id in make_requests::<T>(model, 64, n) {
			let right = answer_of::<T>(id);
			let outputs: Vec<_> = assigned::<T>(id).into_iter().map(|w| (w, right.clone())).collect();
			commit_all::<T>(id, &outputs);
			signer = Some(outputs[0].0.clone());
			answers.push((id, answer_entry::<T>(id, right)));
		}
		let key = T::Workers::key_of_worker(&signer.expect("n >= 1")).expect("benchmark workers have keys");
		let answers: BoundedVec<_, T::MaxAnswersPerSubmission> = answers.try_into().unwrap();

		#[extrinsic_call]
		submit_predictions(RawOrigin::Signed(key), answers);

		assert_eq!(Requests::<T>::iter().count() as u32, n);
		assert_eq!(Results::<T>::iter().count(), 0);
	}

	/// Re-execution of a model whose cost and blob are about `c` thousand units (up to 2 M, a
	/// 2 MB blob; the weight is linear in `c` beyond); the challenge is upheld (the stored
	/// result is wrong), which reports and claws back every agreeing worker and cancels the
	/// dissenters' offences.
	#[benchmark]
	fn challenge(c: Linear<1, 2_000>) {
		// 64 inputs, `hidden × 74` weights and MACs: about `c` thousand of each.
		let hidden = c.saturating_mul(1_000) / 74 + 1;
		let (challenger, id) = challenge_of::<T>(dense_model(64, hidden), 64);

		#[extrinsic_call]
		_(RawOrigin::Signed(challenger), id);

		assert!(Results::<T>::get(id).unwrap().challenged);
	}

	/// `challenge` of the costliest 1x1-convolution models the registry accepts (about `c`
	/// thousand cost units, up to `ModelBounds::max_cost`); the weight of `challenge` must take
	/// the worst rate of the families.
	#[benchmark]
	fn challenge_conv1x1(c: Linear<1, { (T::Models::bounds().max_cost / 1_000) as u32 }>) {
		let (challenger, id) = challenge_setup::<T>(Family::Conv1x1, c);

		#[extrinsic_call]
		challenge(RawOrigin::Signed(challenger), id);

		assert!(Results::<T>::get(id).unwrap().challenged);
	}

	/// As `challenge_conv1x1`, for 3x3 convolutions.
	#[benchmark]
	fn challenge_conv3x3(c: Linear<1, { (T::Models::bounds().max_cost / 1_000) as u32 }>) {
		let (challenger, id) = challenge_setup::<T>(Family::Conv3x3, c);

		#[extrinsic_call]
		challenge(RawOrigin::Signed(challenger), id);

		assert!(Results::<T>::get(id).unwrap().challenged);
	}

	/// As `challenge_conv1x1`, for 15x15 max pooling (no multiply-accumulate at all).
	#[benchmark]
	fn challenge_pool(c: Linear<1, { (T::Models::bounds().max_cost / 1_000) as u32 }>) {
		let (challenger, id) = challenge_setup::<T>(Family::Pool, c);

		#[extrinsic_call]
		challenge(RawOrigin::Signed(challenger), id);

		assert!(Results::<T>::get(id).unwrap().challenged);
	}

	/// As `challenge_conv1x1`, for chains of lookup tables.
	#[benchmark]
	fn challenge_lut(c: Linear<1, { (T::Models::bounds().max_cost / 1_000) as u32 }>) {
		let (challenger, id) = challenge_setup::<T>(Family::Lut, c);

		#[extrinsic_call]
		challenge(RawOrigin::Signed(challenger), id);

		assert!(Results::<T>::get(id).unwrap().challenged);
	}

	#[benchmark]
	fn set_parameters() {
		let params = Parameters { redundancy: 3, quorum: 2, worker_fee: 5u32.into() };

		#[extrinsic_call]
		_(RawOrigin::Root, params.clone());

		assert_eq!(Params::<T>::get(), Some(params));
	}

	/// `n` one-seat requests of the last block drawn in this block's hook.
	#[benchmark]
	fn draw_requests(n: Linear<0, { T::MaxPendingSeats::get() }>) {
		let next = pending_draws::<T>(n, 1);

		#[block]
		{
			Predictions::<T>::draw_due(next);
		}

		assert_eq!(DrawQueueBounds::<T>::get().head, u64::from(n));
		assert_eq!(Assignments::<T>::iter().count() as u32, n);
	}

	/// One request of `r` seats drawn in this block's hook: what each seat beyond a request's
	/// first adds to [`Pallet::draw_weight`].
	#[benchmark]
	fn draw_seats(r: Linear<1, { T::MaxRedundancy::get() }>) {
		let next = pending_draws::<T>(1, r);

		#[block]
		{
			Predictions::<T>::draw_due(next);
		}

		assert_eq!(Assignments::<T>::iter().count() as u32, r);
	}

	/// `n` requests expire in one block, none answered: refunds and `r` liveness reports each.
	#[benchmark]
	fn expire_requests(n: Linear<0, { T::MaxQueueWorkPerBlock::get() }>, r: Linear<1, { T::MaxRedundancy::get() }>) {
		let (model, _) = setup::<T>(r, 64);
		make_requests::<T>(model, 64, n);
		let due = frame_system::Pallet::<T>::block_number() + T::AnswerWindow::get() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Predictions::<T>::on_initialize(due);
		}

		assert_eq!(Requests::<T>::iter().count(), 0);
	}

	/// `n` expiry entries of requests that settled in time: only the queue is read.
	#[benchmark]
	fn skip_settled(n: Linear<0, { T::MaxQueueWorkPerBlock::get() }>) {
		let (model, _) = setup::<T>(1, 64);
		for id in make_requests::<T>(model, 64, n) {
			settle_rightly::<T>(id);
		}
		let due = frame_system::Pallet::<T>::block_number() + T::AnswerWindow::get() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Predictions::<T>::on_initialize(due);
		}

		assert_eq!(ExpiryQueueBounds::<T>::get().head, u64::from(n));
	}

	#[benchmark]
	fn prune_results(n: Linear<0, { T::MaxQueueWorkPerBlock::get() }>) {
		let (model, _) = setup::<T>(1, 64);
		for id in make_requests::<T>(model, 64, n) {
			settle_rightly::<T>(id);
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

	/// Pool validation of a submission of `n` reveals (the costliest entry: the commitment is
	/// recomputed), every worker having committed.
	#[benchmark]
	fn check_answers(n: Linear<1, { T::MaxAnswersPerSubmission::get() }>) {
		let (model, _) = setup::<T>(3, 64);
		let answers: Vec<_> = make_requests::<T>(model, 64, n)
			.into_iter()
			.map(|id| {
				let right = answer_of::<T>(id);
				let outputs: Vec<_> = assigned::<T>(id).into_iter().map(|w| (w, right.clone())).collect();
				commit_all::<T>(id, &outputs);
				(id, answer_entry::<T>(id, right))
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

	impl_benchmark_test_suite!(
		Predictions,
		// 32 seats: full batches of requests in one block, and no more one-seat draws than the
		// mock's in-order draw (the first 8 workers, 4 seats each) can place.
		crate::mock::ExtBuilder::default().offchain_budget(10_000_000_000).pending_seats(32).build(),
		crate::mock::Test
	);
}

#[cfg(test)]
mod family_models {
	use super::*;

	/// ModelChain's `ModelBounds`, as `runtime/src/configs/ml.rs` sets them.
	const RUNTIME_BOUNDS: modelchain_nn::Bounds = modelchain_nn::Bounds {
		max_blob_len: 4 * 1024 * 1024,
		max_layers: 64,
		max_parameters: 4 * 1024 * 1024,
		max_dimension: 65_536,
		max_tensor_len: 1 << 20,
		max_macs: 50_000_000,
		max_cost: 60_000_000,
	};

	#[test]
	fn family_models_span_the_runtime_bounds() {
		for family in [Family::Conv1x1, Family::Conv3x3, Family::Pool, Family::Lut] {
			let mut last = 0;
			for c in [1, 1_000, 10_000, 30_000, 60_000] {
				let blob = family_model(family, c, 64, &RUNTIME_BOUNDS);
				let model = Model::decode_blob(&blob, &RUNTIME_BOUNDS).unwrap_or_else(|e| {
					let m = Model::decode_blob(&blob, &modelchain_nn::Bounds::unbounded()).map(|m| m.cost());
					panic!("family {} at c = {c}: {e:?} (cost {m:?})", family as u8)
				});
				let summary = model.validate(&RUNTIME_BOUNDS).unwrap();
				assert!(summary.output_len >= 10 && summary.output_len <= 32, "{}", summary.output_len);
				assert!(summary.cost >= last, "cost grows with c");
				last = summary.cost;
			}
			// The largest comes near whichever bound binds first.
			assert!(last * 10 >= RUNTIME_BOUNDS.max_macs * 7, "{}: top cost {last}", family as u8);
		}
	}
}
