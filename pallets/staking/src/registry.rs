//! The worker set as other pallets see it: [`WorkerRegistry`] for [`Pallet`].

use crate::*;
use alloc::vec::Vec;
use frame_support::{pallet_prelude::DispatchError, traits::Get};
use sp_runtime::{
	traits::{UniqueSaturatedInto, Zero},
	Perbill,
};

impl<T: Config> Pallet<T> {
	/// `n` distinct registered workers drawn uniformly from `seed` (see [`selection`]).
	pub fn select_workers(seed: [u8; 32], n: u32) -> Result<Vec<T::AccountId>, DispatchError> {
		let workers = ActiveWorkers::<T>::get().into_inner();
		selection::select(workers, &seed, n).ok_or_else(|| Error::<T>::NotEnoughWorkers.into())
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

	fn stake_of(who: &T::AccountId) -> BalanceOf<T> {
		Pallet::<T>::stake_of(who)
	}

	fn active_worker_count() -> u32 {
		ActiveWorkers::<T>::decode_len().unwrap_or(0) as u32
	}

	fn select_workers(seed: [u8; 32], n: u32) -> Result<Vec<T::AccountId>, DispatchError> {
		Pallet::<T>::select_workers(seed, n)
	}

	fn report_offence(
		who: &T::AccountId,
		severity: Perbill,
		reason: OffenceKind,
	) -> Result<BalanceOf<T>, DispatchError> {
		Self::do_report_offence(who, severity, reason)
	}

	fn record_outcome(who: &T::AccountId, outcome: TaskOutcome) {
		WorkerRecords::<T>::mutate_extant(who, |record| {
			let counter = match outcome {
				TaskOutcome::Done => &mut record.tasks_done,
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

	#[cfg(feature = "runtime-benchmarks")]
	fn make_benchmark_worker(who: &T::AccountId) -> Result<(), DispatchError> {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::traits::Saturating;
		if Workers::<T>::contains_key(who) {
			return Ok(());
		}
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
		Self::do_register_worker(who.clone()).map(|_| ()).map_err(|e| e.error)
	}
}
