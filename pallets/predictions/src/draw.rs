//! Who answers a request: capacity, and the draw.
//!
//! **Capacity.** An assignment costs its worker's off-chain worker [`Request::cost`] (the
//! model's inference cost plus its blob length). A worker is drawn only while it holds fewer
//! than `MaxAssignmentsPerWorker` open assignments and their cost stays within
//! [`Pallet::worker_cost_capacity`], half of what its off-chain worker can spend in one answer
//! window: whatever the load, every assignment it gets can be answered before its deadline,
//! so a liveness slash only ever punishes a worker that was really absent. A request is
//! accepted only while [`NetworkLoad`] (open assignments plus requests awaiting their draw)
//! leaves room for its seats among the drawable workers; beyond that it fails with
//! `NetworkBusy` and nobody is penalised.
//!
//! **The draw** happens in the block after the request, in `on_initialize`, from
//! `T::Randomness` once its output was determined after the request's block: a requester does
//! not know its draw when it submits, so padding ids or waiting for a convenient parent hash
//! gains nothing. Workers are drawn uniformly among the drawable ones (past their activation
//! delay) that have spare capacity, examining at most [`DRAW_EXAMINE_FACTOR`] × R of them.

use crate::{settlement::ExpiryQueueOf, *};
use codec::Encode;
use frame_support::{
	ensure,
	traits::{Get, Randomness},
	weights::Weight,
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::{funds, queue::StorageQueue};
use sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto},
	DispatchError,
};

/// A draw examines at most this many workers per seat before it gives up (each examined
/// worker costs a storage read of its load): with a fifth of the workers at capacity a draw
/// of three fails with probability below one in a million.
pub const DRAW_EXAMINE_FACTOR: u32 = 8;

/// The queue of requests awaiting their draw.
pub(crate) type DrawQueueOf<T> = StorageQueue<QueueEntry<BlockNumberFor<T>>, DrawQueue<T>, DrawQueueBounds<T>>;

/// Subject of the draw randomness of every request (the request id is mixed in afterwards).
const DRAW_SUBJECT: &[u8] = b"modelchain/predictions/draw";

impl<T: Config> Pallet<T> {
	/// What an assignment of a model costs a worker: its inference cost plus its blob length
	/// (the off-chain worker reads and decodes the blob), saturating.
	pub fn task_cost(model_cost: u64, blob_len: u32) -> u64 {
		model_cost.saturating_add(u64::from(blob_len))
	}

	/// Inference cost one worker may hold in open assignments: what its off-chain worker
	/// spends in half a commit window (`OffchainCostPerBlock × CommitWindow / 2`; outputs are
	/// computed when they are committed), so even a worker at capacity computes everything in
	/// time with half the window to spare.
	pub fn worker_cost_capacity() -> u64 {
		let window: u64 = T::CommitWindow::get().unique_saturated_into();
		T::OffchainCostPerBlock::get().saturating_mul(window) / 2
	}

	/// The most open assignments `integrity_test` allows a worker: each needs two submission
	/// entries (commit and reveal), all commitments must fit the commit window and everything
	/// the answer window, each with half the window to spare.
	pub fn max_assignments_allowed() -> u32 {
		let per_block = T::MaxAnswersPerSubmission::get();
		let commit: u32 = T::CommitWindow::get().unique_saturated_into();
		let answer: u32 = T::AnswerWindow::get().unique_saturated_into();
		(per_block.saturating_mul(commit) / 2).min(per_block.saturating_mul(answer) / 4)
	}

	/// The network load and the seats awaiting their draw after `requests` new requests of
	/// `redundancy` seats costing `cost` each, if the drawable workers and the next block's
	/// draws have room for all of them (checked, nothing written).
	pub(crate) fn reserve_capacity(requests: u32, redundancy: u32, cost: u64) -> Result<(Load, u32), DispatchError> {
		let drawable = T::Workers::active_worker_count();
		ensure!(drawable >= redundancy, Error::<T>::NotEnoughWorkers);
		let seats = redundancy.checked_mul(requests).ok_or(Error::<T>::NetworkBusy)?;
		let pending = PendingSeats::<T>::get().checked_add(seats).ok_or(Error::<T>::NetworkBusy)?;
		ensure!(pending <= T::MaxPendingSeats::get(), Error::<T>::NetworkBusy);
		let load = NetworkLoad::<T>::get().add(seats, cost);
		let room = u64::from(drawable).saturating_mul(u64::from(T::MaxAssignmentsPerWorker::get()));
		let capacity = u64::from(drawable).saturating_mul(Self::worker_cost_capacity());
		ensure!(u64::from(load.seats) <= room && load.cost <= capacity, Error::<T>::NetworkBusy);
		Ok((load, pending))
	}

	/// Whether `worker` can take one more assignment costing `cost`.
	pub fn has_capacity(worker: &T::AccountId, cost: u64) -> bool {
		let load = WorkerLoad::<T>::get(worker).add(1, cost);
		load.seats <= T::MaxAssignmentsPerWorker::get() && load.cost <= Self::worker_cost_capacity()
	}

	/// The draw seed of request `id` from `T::Randomness`, and the block since which the
	/// randomness was known.
	pub fn draw_seed(id: RequestId) -> ([u8; 32], BlockNumberFor<T>) {
		let (random, known_since) = T::Randomness::random(DRAW_SUBJECT);
		(Self::seed_of(&random, id), known_since)
	}

	/// The seed of request `id` from the randomness output `random` (one per block: the
	/// subject is the same for every request, the id is mixed in here).
	fn seed_of(random: &T::Hash, id: RequestId) -> [u8; 32] {
		polkadot_sdk::sp_io::hashing::blake2_256(&(DRAW_SUBJECT, random, id).encode())
	}

	/// Draws the workers of requests made before `now`, as far as fresh randomness allows (at
	/// most `MaxPendingSeats` of them, since each has a seat); returns how many draws were
	/// tried and their seats (together
	/// they price the work: [`Self::draw_weight`]). A draw that finds too few workers with a
	/// free seat (free seats can sit on fewer than R workers when the network is nearly full)
	/// is tried again in the next block, when answers have freed seats.
	pub(crate) fn draw_due(now: BlockNumberFor<T>) -> (u32, u32) {
		let (random, known_since) = T::Randomness::random(DRAW_SUBJECT);
		let give_up = T::AnswerWindow::get();
		let mut retry = alloc::vec::Vec::new();
		let (mut seats, mut retried) = (0u32, 0u32);
		let (drawn, _) = DrawQueueOf::<T>::process(
			T::MaxPendingSeats::get(),
			// Randomness known only since the request's block or earlier could have been known
			// to the requester: wait for a fresher one, for at most an answer window.
			|entry| entry.due <= now && (known_since >= entry.due || now > entry.due.saturating_add(give_up)),
			|entry| {
				let seed = Self::seed_of(&random, entry.request);
				let (again, redundancy) = Self::draw(entry.request, now, seed, known_since >= entry.due);
				seats = seats.saturating_add(redundancy);
				if again {
					retried = retried.saturating_add(redundancy);
					retry.push(entry.request);
				}
				true
			},
		);
		// After `process`, which keeps the queue's bounds while it runs. Due in the next block,
		// the latest due so far, so the queue stays in due order.
		let due = now.saturating_add(1u32.into());
		DrawQueueOf::<T>::push_all(retry.into_iter().map(|request| QueueEntry { request, due }));
		if seats > retried {
			PendingSeats::<T>::mutate(|pending| *pending = pending.saturating_sub(seats.saturating_sub(retried)));
		}
		(drawn, seats)
	}

	/// The weight of drawing `requests` requests with `seats` seats in all: the benchmarked
	/// draw of as many one-seat requests, each further seat at the rate a request's seats
	/// add, and for every seat the reads of the workers a draw may examine beyond the one it
	/// takes (the benchmarks' workers all have capacity; at most [`DRAW_EXAMINE_FACTOR`] per
	/// seat are read). A request's seats multiply its work, so no single linear formula in
	/// requests and redundancy prices both a block of one-seat draws and one of `MaxRedundancy`
	/// seats each: the hook counts the seats it drew.
	pub fn draw_weight(requests: u32, seats: u32) -> Weight {
		let per_seat = T::WeightInfo::draw_seats(2).saturating_sub(T::WeightInfo::draw_seats(1));
		let examined = u64::from(DRAW_EXAMINE_FACTOR.saturating_sub(1)).saturating_mul(u64::from(seats));
		T::WeightInfo::draw_requests(requests)
			.saturating_add(per_seat.saturating_mul(u64::from(seats.saturating_sub(requests))))
			.saturating_add(T::DbWeight::get().reads(examined))
	}

	/// Draws request `id`'s workers and opens their assignments. Returns whether too few
	/// workers have capacity now and the draw should be tried again next block (without fresh
	/// randomness, or once an answer window has passed since the request, it refunds the
	/// request instead), and the request's redundancy (0 if it is gone).
	fn draw(id: RequestId, now: BlockNumberFor<T>, seed: [u8; 32], fresh: bool) -> (bool, u32) {
		let Some(mut req) = Requests::<T>::get(id) else { return (false, 0) };
		let redundancy = req.redundancy;
		let examine = req.redundancy.saturating_mul(DRAW_EXAMINE_FACTOR);
		let cost = req.cost;
		let drawn = if fresh {
			T::Workers::select_workers_where(seed, req.redundancy, examine, |w| Self::has_capacity(w, cost))
				.ok()
				.and_then(|w| BoundedVec::<_, T::MaxRedundancy>::try_from(w).ok())
		} else {
			None
		};
		let Some(workers) = drawn else {
			let gave_up = now > req.requested_at.saturating_add(1u32.into()).saturating_add(T::AnswerWindow::get());
			if fresh && !gave_up {
				return (true, redundancy);
			}
			Requests::<T>::remove(id);
			NetworkLoad::<T>::mutate(|l| *l = l.sub(req.redundancy, req.cost));
			funds::release::<T::Currency, _>(&HoldReason::PredictionFee.into(), &req.requester, req.held);
			funds::release::<T::Currency, _>(&HoldReason::StorageDeposit.into(), &req.requester, req.deposit);
			T::Models::release(req.model);
			Self::deposit_event(Event::DrawFailed { request: id });
			return (false, redundancy);
		};
		for w in workers.iter() {
			Assignments::<T>::insert(w, id, ());
			WorkerLoad::<T>::mutate(w, |l| *l = l.add(1, cost));
		}
		// Seats not drawn (none, unless the redundancy exceeds the list) free their share.
		let undrawn = req.redundancy.saturating_sub(workers.len() as u32);
		NetworkLoad::<T>::mutate(|l| *l = l.sub(undrawn, cost));
		let deadline = now.saturating_add(T::AnswerWindow::get());
		req.commit_deadline = Some(now.saturating_add(T::CommitWindow::get()));
		ExpiryQueueOf::<T>::push(QueueEntry { request: id, due: deadline.saturating_add(1u32.into()) });
		req.deadline = Some(deadline);
		req.workers = workers.clone();
		Requests::<T>::insert(id, req);
		Self::deposit_event(Event::WorkersAssigned { request: id, workers: workers.into_inner(), deadline });
		(false, redundancy)
	}

	/// Ends `worker`'s assignment to `id` (answered, or its request settled), freeing its
	/// capacity. Returns whether it was assigned.
	pub(crate) fn unassign(worker: &T::AccountId, id: RequestId, cost: u64) -> bool {
		if Assignments::<T>::take(worker, id).is_none() {
			return false;
		}
		WorkerLoad::<T>::mutate_exists(worker, |l| {
			let left = l.unwrap_or_default().sub(1, cost);
			*l = (left != Load::default()).then_some(left);
		});
		NetworkLoad::<T>::mutate(|l| *l = l.sub(1, cost));
		true
	}
}
