//! The worker set as other pallets see it: [`WorkerRegistry`] for [`Pallet`].

use crate::*;
use alloc::vec::Vec;
use frame_support::{pallet_prelude::DispatchError, traits::Get};
use sp_runtime::traits::{UniqueSaturatedInto, Zero};

impl<T: Config> Pallet<T> {
	/// `n` distinct drawable workers (past their activation delay) drawn uniformly from
	/// `seed` (see [`selection`]).
	pub fn select_workers(seed: [u8; 32], n: u32) -> Result<Vec<T::AccountId>, DispatchError> {
		selection::select(Self::drawable_workers(), &seed, n).ok_or_else(|| Error::<T>::NotEnoughWorkers.into())
	}

	/// `n` distinct drawable workers for which `eligible` holds, drawn uniformly among them
	/// from `seed`, examining at most `max_examined` workers (see [`selection::select_where`]).
	pub fn select_workers_where(
		seed: [u8; 32],
		n: u32,
		max_examined: u32,
		eligible: impl FnMut(&T::AccountId) -> bool,
	) -> Result<Vec<T::AccountId>, DispatchError> {
		selection::select_where(Self::drawable_workers(), &seed, n, max_examined, eligible)
			.ok_or_else(|| Error::<T>::NotEnoughWorkers.into())
	}

	/// The registered workers that can be drawn now, in registration order.
	pub fn drawable_workers() -> Vec<T::AccountId> {
		let now = Self::now();
		ActiveWorkers::<T>::get().into_iter().filter(|(_, from)| *from <= now).map(|(who, _)| who).collect()
	}

	/// A worker key derived from `stash`, so every benchmark worker gets its own.
	#[cfg(feature = "runtime-benchmarks")]
	// Benchmark setup only; `TrailingZeroInput` never runs out, so decoding cannot fail.
	#[allow(clippy::expect_used)]
	pub(crate) fn benchmark_key(stash: &T::AccountId) -> T::AccountId {
		use codec::{Decode, Encode};
		let seed = polkadot_sdk::sp_io::hashing::blake2_256(&(b"modelchain/benchmark-worker-key", stash).encode());
		T::AccountId::decode(&mut sp_runtime::traits::TrailingZeroInput::new(&seed))
			.expect("an infinite zero-padded input decodes as any account type; qed")
	}

	/// Active plus unbonding stake of `who`: what a slash can reach.
	pub fn stake_of(who: &T::AccountId) -> BalanceOf<T> {
		Ledger::<T>::get(who).map_or_else(Zero::zero, |ledger| ledger.total())
	}
}

impl<T: Config> WorkerRegistry<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn is_active_worker(who: &T::AccountId) -> bool {
		Workers::<T>::contains_key(who)
	}

	fn worker_of_key(key: &T::AccountId) -> Option<T::AccountId> {
		KeyOwner::<T>::get(key)
	}

	fn key_of_worker(stash: &T::AccountId) -> Option<T::AccountId> {
		WorkerKeys::<T>::get(stash)
	}

	fn stake_of(who: &T::AccountId) -> BalanceOf<T> {
		Pallet::<T>::stake_of(who)
	}

	fn active_worker_count() -> u32 {
		Self::drawable_workers().len() as u32
	}

	fn select_workers(seed: [u8; 32], n: u32) -> Result<Vec<T::AccountId>, DispatchError> {
		Pallet::<T>::select_workers(seed, n)
	}

	fn select_workers_where(
		seed: [u8; 32],
		n: u32,
		max_examined: u32,
		eligible: impl FnMut(&T::AccountId) -> bool,
	) -> Result<Vec<T::AccountId>, DispatchError> {
		Pallet::<T>::select_workers_where(seed, n, max_examined, eligible)
	}

	fn report_offence(report: OffenceReport<T::AccountId>) -> Result<BalanceOf<T>, DispatchError> {
		Self::do_report_offence(report)
	}

	fn cancel_offence(offender: &T::AccountId, kind: OffenceKind, task: TaskRef) -> bool {
		Self::do_cancel_offence(offender, kind, task)
	}

	fn claw_back(offender: &T::AccountId, beneficiary: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		Self::do_claw_back(offender, beneficiary, amount)
	}

	fn challenge_deposit() -> BalanceOf<T> {
		T::ChallengeDeposit::get()
	}

	fn hold_challenge_deposit(who: &T::AccountId) -> Result<(), DispatchError> {
		Self::do_hold_challenge_deposit(who)
	}

	fn settle_challenge_deposit(who: &T::AccountId, upheld: bool) {
		if let Err(e) = Self::do_settle_challenge_deposit(who, upheld) {
			frame_support::defensive!("a challenge settles only a deposit it held", e);
		}
	}

	fn record_outcome(who: &T::AccountId, outcome: TaskOutcome) {
		WorkerRecords::<T>::mutate_extant(who, |record| {
			let counter = match outcome {
				TaskOutcome::Done => {
					record.consecutive_missed = 0;
					&mut record.tasks_done
				}
				TaskOutcome::Agreed => &mut record.agreed,
				TaskOutcome::Disagreed => &mut record.disagreed,
				TaskOutcome::Missed => &mut record.missed,
			};
			*counter = counter.saturating_add(1);
		});
	}

	fn longest_offence_window() -> u32 {
		T::LongestOffenceWindow::get().unique_saturated_into()
	}

	fn slash_defer_duration() -> u32 {
		T::SlashDeferDuration::get().unique_saturated_into()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_benchmark_worker(who: &T::AccountId) -> Result<T::AccountId, DispatchError> {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::traits::Saturating;
		let bond = T::MinWorkerBond::get().max(T::MinBond::get());
		let active = Ledger::<T>::get(who).map(|ledger| ledger.active);
		let missing = bond.saturating_sub(active.unwrap_or_else(Zero::zero));
		if !missing.is_zero() {
			let needed = missing.saturating_add(T::Currency::minimum_balance());
			let free = T::Currency::balance(who);
			if free < needed {
				T::Currency::mint_into(who, needed.saturating_sub(free))?;
			}
			match active {
				None => Self::do_bond(who.clone(), missing)?,
				Some(_) => Self::do_bond_extra(who.clone(), missing)?,
			}
		}
		let key = match WorkerKeys::<T>::get(who) {
			Some(key) => key,
			None => {
				let key = Self::benchmark_key(who);
				Self::do_set_worker_key(who.clone(), key.clone())?;
				key
			}
		};
		if !Workers::<T>::contains_key(who) {
			Self::do_register_worker(who.clone()).map_err(|e| e.error)?;
		}
		// Benchmarks draw at once: skip the activation delay.
		let now = Self::now();
		ActiveWorkers::<T>::mutate(|list| {
			list.iter_mut().filter(|(w, _)| w == who).for_each(|(_, from)| *from = now);
		});
		Workers::<T>::mutate_extant(who, |info| info.drawable_from = now);
		Ok(key)
	}
}
